"""``python manage.py import_grants FILE [--dry-run]`` (interchange.md)."""

from django_scopes import scopes_disabled

from funding.services.grants import GrantImporter
from portal.imports import BaseImportCommand


class Command(BaseImportCommand):
    help = "Importeer grants (CSV of XLSX, interchange.md); bij een fout wordt niets opgeslagen."
    importer_class = GrantImporter

    def handle(self, *args, **options):
        with scopes_disabled():
            super().handle(*args, **options)
