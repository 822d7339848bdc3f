"""Staff support only (the portal enforces roles.md itself). Scans are read-only here: their
workflow goes through schools.services so that every change is audited; documents are served
only through the permission-checked view, so the admin shows their metadata, not the file."""

from django.contrib import admin

from portal.admin import NumberFieldsAdmin

from .models import (
    DirectorInvitation,
    Directorship,
    Need,
    Scan,
    ScanComment,
    ScanDocument,
    School,
    SchoolWeight,
)


@admin.register(School)
class SchoolAdmin(NumberFieldsAdmin, admin.ModelAdmin):
    list_display = ["code", "name", "sector", "municipality", "board_number", "pupil_count"]
    list_filter = ["sector", "municipality"]
    search_fields = ["code", "name", "city"]


@admin.register(SchoolWeight)
class SchoolWeightAdmin(NumberFieldsAdmin, admin.ModelAdmin):
    list_display = ["school", "school_year", "weight", "pupil_count"]
    raw_id_fields = ["school"]
    search_fields = ["school__code", "school__name"]


class ReadOnlyInline(NumberFieldsAdmin, admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class NeedInline(ReadOnlyInline):
    model = Need


class CommentInline(ReadOnlyInline):
    model = ScanComment


class DocumentInline(ReadOnlyInline):
    model = ScanDocument
    fields = ["version", "original_name", "kind", "size", "sha256", "uploaded_by", "uploaded_at"]
    readonly_fields = fields


@admin.register(Scan)
class ScanAdmin(NumberFieldsAdmin, admin.ModelAdmin):
    list_display = ["school", "school_year", "status", "source", "submitted_at"]
    list_filter = ["status", "source", "school_year", "municipality"]
    search_fields = ["school__code", "school__name"]
    inlines = [NeedInline, CommentInline, DocumentInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Directorship)
class DirectorshipAdmin(admin.ModelAdmin):
    """Which school a school director's membership is for (portal's membership admin shows
    the role and municipality)."""

    list_display = ["membership", "school"]
    raw_id_fields = ["membership", "school"]
    search_fields = ["membership__user__email", "school__code", "school__name"]


@admin.register(DirectorInvitation)
class DirectorInvitationAdmin(admin.ModelAdmin):
    list_display = ["invitation", "school"]
    raw_id_fields = ["invitation", "school"]
