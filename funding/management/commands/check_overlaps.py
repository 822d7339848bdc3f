"""``python manage.py check_overlaps [--municipality CODE] [--format json|csv] [--output FILE]``

Runs the checks of checks.md (the same service as the findings page's button and the nightly
job), stores the findings and writes the current ones: JSON lines or CSV (interchange.md).
Exit code 0 with or without findings; 1 only when the checks could not run.
"""

import csv
import json
import sys

from django.core.management.base import BaseCommand
from django_scopes import scopes_disabled

from funding.models import CheckRun, Finding
from funding.services.checks import check_run_execute, finding_as_dict
from portal.imports import ImportValueError, normalise_municipality_code
from portal.models import Municipality

CSV_HEADER = [
    "rule",
    "severity",
    "municipality",
    "subjects",
    "school",
    "theme",
    "amount",
    "message",
]


class Command(BaseCommand):
    help = (
        "Controleer dubbele financiering, overlap en lacunes (checks.md) en schrijf de bevindingen."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--municipality", help="CBS-code (GM0363, 0363 of 363); zonder: alle gemeenten"
        )
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--output", help="bestand; zonder: standaarduitvoer")

    def handle(self, *args, municipality=None, format="json", output=None, **options):
        with scopes_disabled():
            municipalities = Municipality.objects.order_by("code")
            if municipality:
                try:
                    code = normalise_municipality_code(municipality)
                except ImportValueError as error:
                    self.stderr.write(str(error))
                    sys.exit(1)
                municipalities = municipalities.filter(code=code)
                if not municipalities.exists():
                    self.stderr.write(f"onbekende gemeente {code}")
                    sys.exit(1)
            try:
                for m in municipalities:
                    run = CheckRun.objects.create(municipality=m, trigger=CheckRun.Trigger.COMMAND)
                    check_run_execute(check_run_id=run.pk)
            except Exception as error:  # noqa: BLE001 - the contract: exit 1 when the check could not run
                self.stderr.write(
                    f"de controle kon niet worden uitgevoerd: {type(error).__name__}: {error}"
                )
                sys.exit(1)
            findings = (
                Finding.objects.filter(municipality__in=municipalities, active=True)
                .select_related("municipality", "school")
                .order_by("municipality__code", "rule", "subjects", "id")
            )
            records = sorted(
                (finding_as_dict(f) for f in findings),
                key=lambda d: (d["municipality"], d["rule"], d["subjects"]),
            )
        stream = open(output, "w", encoding="utf-8", newline="") if output else self.stdout  # noqa: SIM115 (closed in finally)
        try:
            if format == "json":
                for record in records:
                    stream.write(json.dumps(record, ensure_ascii=False) + "\n")
            else:
                writer = csv.writer(stream, lineterminator="\n")
                writer.writerow(CSV_HEADER)
                for r in records:
                    writer.writerow(
                        [
                            r["rule"],
                            r["severity"],
                            r["municipality"],
                            "|".join(r["subjects"]),
                            r["school"] or "",
                            r["theme"] or "",
                            r["amount"] or "",
                            r["message"],
                        ]
                    )
        finally:
            if output:
                stream.close()
