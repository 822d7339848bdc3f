"""Staff support only: the portal itself enforces roles.md; the admin is for helping users."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .fields import number_formfield
from .models import AuditEvent, Invitation, Membership, Municipality, Region, User


class NumberFieldsAdmin:
    """Admin pages read numbers with the portal's own fields (portal.fields.number_formfield):
    text inputs that take 12,5 and 1.234,56 whatever the browser's language (issue 10 §2)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = number_formfield(db_field, **kwargs)
        if field is not None:
            return field
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["municipality", "region"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "organisation", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Persoon", {"fields": ["first_name", "last_name", "organisation"]}),
        ("Rechten", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    inlines = [MembershipInline]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "slug"]
    search_fields = ["code", "name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    filter_horizontal = ["municipalities"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "role", "municipality", "created_at", "accepted_at"]
    list_filter = ["role"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "object_repr", "municipality"]
    list_filter = ["action"]
    list_select_related = ["actor", "municipality"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
