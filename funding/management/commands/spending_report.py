"""``python manage.py spending_report --municipality CODE --stream CODE [--year YYYY]
--output FILE.pdf [--xlsx FILE.xlsx]`` (interchange.md): the same report, through the same
service, as the background job. Without ``--year``: the whole window of the grants. The
version is recorded like a browser request (same data: the stored version is written out)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scopes_disabled

from funding.models import FundingStream, SpendingReport
from funding.reports.jobs import report_file, report_generate
from portal.models import Municipality


class Command(BaseCommand):
    help = "Maak de bestedingsrapportage (PDF en eventueel XLSX) van een gemeente en stroom."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, help="CBS-code, bijvoorbeeld GM1952")
        parser.add_argument(
            "--stream", required=True, help="code van de stroom, bijvoorbeeld NPO-GEM"
        )
        parser.add_argument(
            "--year", type=int, default=None, help="jaar; zonder: de hele bestedingstermijn"
        )
        parser.add_argument("--output", required=True, help="PDF-bestand om te schrijven")
        parser.add_argument("--xlsx", default=None, help="XLSX-bestand om te schrijven")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processen voor de PDF (standaard: aantal CPU's)",
        )

    def handle(self, *args, **options):
        with scopes_disabled():
            try:
                municipality = Municipality.objects.get(code=options["municipality"].upper())
            except Municipality.DoesNotExist:
                raise CommandError(f"Onbekende gemeente {options['municipality']!r}") from None
            try:
                stream = FundingStream.objects.get(code=options["stream"].upper())
            except FundingStream.DoesNotExist:
                raise CommandError(f"Onbekende stroom {options['stream']!r}") from None
            report = report_generate(
                municipality=municipality,
                stream=stream,
                year=options["year"],
                workers=options["workers"],
            )
            if report.status != SpendingReport.Status.DONE:
                raise CommandError(f"Rapportage mislukt: {report.error}")
            pdf, _name = report_file(report, "pdf")
            Path(options["output"]).write_bytes(pdf)
            self.stdout.write(
                f"{options['output']}: versie {report.version}, {report.line_count} regels, "
                f"PDF SHA-256 {report.pdf_sha256}"
            )
            if options["xlsx"]:
                xlsx, _name = report_file(report, "xlsx")
                Path(options["xlsx"]).write_bytes(xlsx)
                self.stdout.write(f"{options['xlsx']}: XLSX SHA-256 {report.xlsx_sha256}")
            self.stdout.write(f"SHA-256 van de gegevens: {report.data_sha256}")
