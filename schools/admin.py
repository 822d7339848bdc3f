from django.contrib import admin

from .models import School


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sector", "municipality"]
    list_filter = ["sector"]
    search_fields = ["code", "name"]
    list_select_related = ["municipality"]
