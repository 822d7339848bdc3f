from django.contrib import admin

from portal.admin import NumberFieldsAdmin

from .models import FundingStream


@admin.register(FundingStream)
class FundingStreamAdmin(NumberFieldsAdmin, admin.ModelAdmin):
    """Streams are data: a new scheme is added here, without a release (domain.md)."""

    list_display = ["code", "name", "paid_to", "window_start", "window_end", "sisa_code"]
    search_fields = ["code", "name"]
