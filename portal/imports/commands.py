"""Running an import from the command line (``import_grants FILE [--dry-run]`` and friends)."""

import sys

from django.core.management.base import BaseCommand
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .framework import Importer

# --- management commands -----------------------------------------------------


def run_import_command(
    importer: Importer, path, stdout, stderr, *, dry_run=False, after=None
) -> int:
    """Run an import from the command line; return the process exit code. ``after(result)`` is
    called once the rows are saved (not on errors or a dry run), e.g. to record the import in
    the audit trail, which starts the re-run of the checks (issue 10 §3)."""
    try:
        with open(path, "rb") as file:
            result = importer.run(file, filename=str(path), dry_run=dry_run)
    except OSError as exc:
        stderr.write(f"{_('kan het bestand niet openen')}: {exc}\n")
        return 1
    if not result.ok:
        for line in result.error_lines():
            stderr.write(f"{line}\n")
        return 1
    if dry_run:
        message = ngettext(
            "%d regel gecontroleerd, geen fouten (proefdraai: niets opgeslagen)",
            "%d regels gecontroleerd, geen fouten (proefdraai: niets opgeslagen)",
            result.total,
        )
        stdout.write(f"{message % result.total}\n")
    else:
        if after is not None:
            after(result)
        stdout.write(f"{result.summary}\n")
    # Skipped rows and notices (a merger mapped, a school moved) are not errors: stdout.
    for line in result.notice_lines():
        stdout.write(f"{line}\n")
    return 0


class BaseImportCommand(BaseCommand):
    """``import_grants FILE [--dry-run]`` is a subclass setting ``importer_class``."""

    help = "Importeer een CSV- of XLSX-bestand; bij een fout wordt niets opgeslagen."
    importer_class: type[Importer]

    def after_import(self, result) -> None:
        """Called with the result of a saved import; the importers that record themselves in
        the audit trail need nothing here."""

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV- of XLSX-bestand")
        parser.add_argument("--dry-run", action="store_true", help="alleen controleren")

    def handle(self, *args, file, dry_run, **options):
        # We print the errors ourselves: CommandError would prefix them.
        importer = self.importer_class()
        code = run_import_command(
            importer, file, self.stdout, self.stderr, dry_run=dry_run, after=self.after_import
        )
        if code:
            sys.exit(code)
