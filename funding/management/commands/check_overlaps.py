"""``python manage.py check_overlaps [--municipality CODE] [--full] [--jobs N]
[--format json|csv] [--output FILE]``

Runs the checks of checks.md (the same service as the findings page's button and the nightly
job), stores the findings and writes the current ones: JSON lines or CSV (interchange.md).
Incremental by default: only what changed since the last run is re-derived; ``--full``
re-derives everything (the same findings). ``--jobs N`` checks N municipalities at a time in
separate processes (PostgreSQL; on SQLite the municipalities run one after another).
Exit code 0 with or without findings; 1 only when the checks could not run.
"""

import csv
import json
import sys
from concurrent.futures import ProcessPoolExecutor

from django.core.management.base import BaseCommand
from django.db import connection, connections
from django_scopes import scopes_disabled

from funding.models import ActivityReach, CheckRun, Finding
from funding.services.checks import check_run_execute, finding_as_dict
from portal.db import analyze
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


def _check_one(municipality_id, full):
    """One municipality in a worker process (its own database connection). Returns None or the
    error's text."""
    try:
        with scopes_disabled():
            run = CheckRun.objects.create(
                municipality_id=municipality_id, trigger=CheckRun.Trigger.COMMAND
            )
            check_run_execute(check_run_id=run.pk, full=full)
    except Exception as error:  # noqa: BLE001 - reported by the parent, which exits 1
        return f"{type(error).__name__}: {error}"
    finally:
        connections.close_all()
    return None


def _check_parallel(ids, full, jobs):
    """Run ``_check_one`` for every id over ``jobs`` forked processes; raise on the first error."""
    connections.close_all()  # a forked child must not share the parent's connection
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for error in pool.map(_check_one, ids, [full] * len(ids)):
            if error:
                raise RuntimeError(error)


class Command(BaseCommand):
    help = (
        "Controleer dubbele financiering, overlap en lacunes (checks.md) en schrijf de bevindingen."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--municipality", help="CBS-code (GM0363, 0363 of 363); zonder: alle gemeenten"
        )
        parser.add_argument(
            "--full", action="store_true", help="alles opnieuw afleiden, niet alleen wijzigingen"
        )
        parser.add_argument(
            "--jobs", type=int, default=1, help="aantal gemeenten tegelijk (PostgreSQL)"
        )
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--output", help="bestand; zonder: standaarduitvoer")

    def handle(
        self, *args, municipality=None, format="json", output=None, full=False, jobs=1, **options
    ):
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
                ids = list(municipalities.values_list("pk", flat=True))
                if jobs > 1 and len(ids) > 1 and connection.vendor == "postgresql":
                    _check_parallel(ids, full, jobs)
                else:
                    for pk in ids:
                        run = CheckRun.objects.create(
                            municipality_id=pk, trigger=CheckRun.Trigger.COMMAND
                        )
                        check_run_execute(check_run_id=run.pk, full=full)
                # The runs rewrote reach rows and findings in bulk: fresh statistics for the
                # next run's plans (issue 14 §7).
                analyze(ActivityReach, Finding)
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
