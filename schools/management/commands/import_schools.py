"""``manage.py import_schools FILE [--sector BO]`` for DUO school locations (both layouts), and
``manage.py import_schools --weights FILE [--school-year 2023-2024]`` for the CBS schoolweging
file. All-or-nothing: any invalid row imports nothing and is listed on stderr (exit code 1)."""

import sys

from django.core.management.base import BaseCommand, CommandError

from portal.domain import Sector
from portal.imports import ImportValueError, run_import_command
from schools.imports.duo import SchoolImporter
from schools.imports.parsers import school_year as parse_school_year
from schools.imports.weights import SchoolWeightImporter
from schools.models import current_school_year
from schools.services import command_import_record


class Command(BaseCommand):
    help = (
        "Importeer DUO-vestigingen (beide indelingen) of met --weights het CBS-schoolwegingbestand."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="DUO-bestand (CSV of XLSX)")
        parser.add_argument(
            "--sector", choices=Sector.values, help="sector van alle vestigingen in het bestand"
        )
        parser.add_argument(
            "--weights", metavar="FILE", help="CBS-schoolwegingbestand (kolommen OVT, schoolweging)"
        )
        parser.add_argument(
            "--school-year",
            default=None,
            help="schooljaar van de schoolweging (standaard: het huidige)",
        )
        parser.add_argument("--dry-run", action="store_true", help="alleen controleren")

    def handle(self, *args, file, sector, weights, school_year: str | None, dry_run, **options):
        if not file and not weights:
            raise CommandError("Geef een DUO-bestand en/of --weights FILE op.")
        code = 0
        if file:
            code = run_import_command(
                SchoolImporter(sector=sector),
                file,
                self.stdout,
                self.stderr,
                dry_run=dry_run,
                after=lambda result: command_import_record(
                    action="schools.import", result=result, filename="import_schools"
                ),
            )
        if weights and not code:
            try:
                year = parse_school_year(school_year or current_school_year())
            except ImportValueError as error:
                raise CommandError(str(error)) from error
            importer = SchoolWeightImporter(school_year=year)
            code = run_import_command(importer, weights, self.stdout, self.stderr, dry_run=dry_run)
        if code:
            sys.exit(code)
