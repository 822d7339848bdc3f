"""``python manage.py import_expenditures FILE [--dry-run]`` (interchange.md section 4).

The file is streamed from disk, so a finance export of a million lines imports with constant
memory."""

import sys

from django_scopes import scopes_disabled

from funding.services.expenditure_import import ExpenditureImporter
from portal.imports import BaseImportCommand


class Command(BaseImportCommand):
    help = (
        "Importeer bestedingen (CSV of XLSX, interchange.md); bij een fout wordt niets opgeslagen."
    )
    importer_class = ExpenditureImporter

    def handle(self, *args, file, dry_run, **options):
        with scopes_disabled():
            importer = ExpenditureImporter()
            try:
                handle = open(file, "rb")  # noqa: SIM115 (closed after the import)
            except OSError as exc:
                self.stderr.write(f"kan het bestand niet openen: {exc}")
                sys.exit(1)
            with handle:
                result = importer.run(handle, filename=file, dry_run=dry_run)
        if not result.ok:
            for line in result.error_lines():
                self.stderr.write(line)
            sys.exit(1)
        self.stdout.write(result.summary)
