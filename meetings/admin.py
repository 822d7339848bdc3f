"""Staff support only (the admin runs with scopes disabled, see portal.middleware)."""

from django.contrib import admin

from portal.admin import NumberFieldsAdmin

from .models import ActionItem, Meeting, MeetingSeries, ReminderOptOut, SentDigest


@admin.register(MeetingSeries)
class MeetingSeriesAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "municipality", "region"]
    raw_id_fields = ["chair"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["title", "type", "starts_at", "status", "municipality", "region"]
    list_filter = ["type", "status"]
    search_fields = ["title"]
    raw_id_fields = ["series", "chair"]


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    list_display = [
        "description",
        "status",
        "due_date",
        "owner_organisation",
        "owner_email",
        "municipality",
        "region",
    ]
    list_filter = ["status"]
    search_fields = ["description", "owner_name", "owner_email", "owner_organisation"]
    raw_id_fields = ["meeting", "agenda_item", "owner_user", "schools", "activities"]


@admin.register(SentDigest)
class SentDigestAdmin(NumberFieldsAdmin, admin.ModelAdmin):
    list_display = ["recipient", "kind", "iso_year", "iso_week", "action_count", "sent_at"]
    search_fields = ["recipient"]


@admin.register(ReminderOptOut)
class ReminderOptOutAdmin(admin.ModelAdmin):
    list_display = ["email", "created_at"]
    search_fields = ["email"]
