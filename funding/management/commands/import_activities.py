"""``python manage.py import_activities FILE [--dry-run]`` (interchange.md)."""

from django_scopes import scopes_disabled

from funding.services.activities import ActivityImporter
from portal.imports import BaseImportCommand


class Command(BaseImportCommand):
    help = (
        "Importeer activities (CSV of XLSX, interchange.md); bij een fout wordt niets opgeslagen."
    )
    importer_class = ActivityImporter

    def handle(self, *args, **options):
        with scopes_disabled():
            super().handle(*args, **options)
