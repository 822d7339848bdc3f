#!/usr/bin/env python
"""Benchmark of the checks and the expenditure import on the national-scale data set.

    DATABASE_URL=postgresql://... python bench/checks_bench.py [--seed 1] [--reseed] [--lines 1000000] [--jobs 2]

Prints, with a baseline measured in the same run on the same database (so figures from
different machines can be compared through the ratio):
  - baseline: a full scan of the expenditure table (COUNT + SUM) and a fixed Python loop;
  - the checks for the largest municipality (lines, time);
  - the checks for the whole national set (all scale municipalities, --jobs processes);
  - the import of N expenditure lines from a CSV (subprocess: wall time and peak memory),
    and the re-import of the same file (nothing changes).
The data set is generated with ``seed_demo --scale national --seed N`` when missing (or with
--reseed); the CSV goes to a temporary folder and is deleted afterwards.
"""

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DEBUG", "1")


def setup():
    import django

    django.setup()


def check_municipalities(ids, full=True):
    """Worker: run the checks for the given municipality ids (``full``: every rule, else
    incremental); return (id, seconds, findings)."""
    setup()
    from django_scopes import scopes_disabled

    from funding.services.checks import checks_run
    from portal.models import Municipality

    out = []
    with scopes_disabled():
        for m in Municipality.objects.filter(pk__in=ids):
            start = time.perf_counter()
            result = checks_run(municipality=m, full=full)
            out.append((m.pk, time.perf_counter() - start, result.findings))
    return out


def copy_baseline(path):
    """Seconds psycopg takes to COPY the CSV at ``path`` into a temporary table of text columns:
    the floor of any import of that file (reading and sending it, no parsing or checking)."""
    from django.db import connection

    with open(path, encoding="utf-8") as fh:
        width = len(next(csv.reader(fh)))
    columns = ", ".join(f"c{i} text" for i in range(width))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE bench_copy ({columns})")
        try:
            start = time.perf_counter()
            with (
                open(path, "rb") as fh,
                cursor.cursor.copy("COPY bench_copy FROM STDIN (FORMAT csv, HEADER true)") as copy,
            ):
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
            return time.perf_counter() - start
        finally:
            cursor.execute("DROP TABLE bench_copy")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument(
        "--lines", type=int, default=1_000_000, help="expenditure lines in the import benchmark"
    )
    parser.add_argument("--jobs", type=int, default=2, help="processes for the national check run")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument(
        "--fraction",
        type=int,
        default=1,
        help="generate 1/N of the national size (10: the CI's 1/10 set)",
    )
    parser.add_argument(
        "--only-import",
        action="store_true",
        help="skip the check runs (e.g. to compare import memory for several --lines)",
    )
    args = parser.parse_args()

    setup()
    from django.db import connection
    from django.db.models import Count
    from django_scopes import scopes_disabled

    from funding.models import Expenditure, Grant
    from funding.scale import scale_codes, seed_national
    from portal.models import Municipality

    print(
        f"database: {connection.vendor} {connection.settings_dict['NAME']}; cpus: {os.cpu_count()}"
    )
    with scopes_disabled():
        if args.reseed or not Municipality.objects.filter(code__in=scale_codes()).exists():
            start = time.perf_counter()
            from funding import scale as sizes

            seed_national(
                seed=args.seed,
                log=lambda msg: print(f"  {msg}"),
                lines=sizes.LINES // args.fraction,
                schools_total=sizes.SCHOOLS // args.fraction,
                activities_total=sizes.ACTIVITIES // args.fraction,
                municipalities_total=sizes.MUNICIPALITIES // args.fraction,
            )
            print(f"seed national set (seed {args.seed}): {time.perf_counter() - start:.1f} s")
        scale = Municipality.objects.filter(code__in=scale_codes())
        lines_total = Expenditure.objects.filter(municipality__in=scale).count()
        print(f"national set: {scale.count()} municipalities, {lines_total:,} expenditure lines")

        # --- baseline ------------------------------------------------------------------------
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*), SUM(amount) FROM {Expenditure._meta.db_table}")
            cursor.fetchone()
        scan = time.perf_counter() - start
        start = time.perf_counter()
        total = 0
        for i in range(5_000_000):
            total += i % 7
        loop = time.perf_counter() - start
        print(
            f"baseline: full scan of the expenditure table {scan:.2f} s; python loop (5M) {loop:.2f} s"
        )

        if not args.only_import:
            # --- one large municipality ----------------------------------------------------------
            largest = scale.annotate(n=Count("expenditures")).order_by("-n").first()
            first = check_municipalities([largest.pk])[0]
            second = check_municipalities([largest.pk])[0]
            idle = check_municipalities([largest.pk], full=False)[0]
            print(
                f"checks, largest municipality {largest.code} ({largest.n:,} lines): first run {first[1]:.2f} s, "
                f"full re-run {second[1]:.2f} s, {second[2]} findings  [= {second[1] / scan:.1f}x the full-scan baseline]; "
                f"incremental re-run, nothing changed {idle[1]:.3f} s  [= {idle[1] / second[1]:.3f}x the full re-run]"
            )
            from funding.services.checks import change_record

            change_record(municipality_id=largest.pk, action="expenditure.update")
            lines_only = check_municipalities([largest.pk], full=False)[0]
            print(
                f"checks, largest municipality after one line changed (F1-F8 only): {lines_only[1]:.2f} s  "
                f"[= {lines_only[1] / second[1]:.2f}x the full re-run]"
            )

            # --- the national set ----------------------------------------------------------------
            ids = list(scale.order_by("code").values_list("pk", flat=True))
            chunks = [ids[i :: args.jobs] for i in range(args.jobs)]
            connection.close()
            start = time.perf_counter()
            with ProcessPoolExecutor(max_workers=args.jobs) as pool:
                results = [r for part in pool.map(check_municipalities, chunks) for r in part]
            national = time.perf_counter() - start
            slowest = max(results, key=lambda r: r[1])
            print(
                f"checks, national set ({len(results)} municipalities, {args.jobs} processes): {national:.1f} s, "
                f"{sum(r[2] for r in results):,} findings; slowest municipality {slowest[1]:.2f} s  "
                f"[= {national / scan:.1f}x the full-scan baseline]"
            )
            start = time.perf_counter()
            with ProcessPoolExecutor(max_workers=args.jobs) as pool:
                results = [r for part in pool.map(check_municipalities, chunks) for r in part]
            rerun = time.perf_counter() - start
            print(
                f"checks, national set again, full (findings unchanged): {rerun:.1f} s  "
                f"[= {rerun / scan:.1f}x the full-scan baseline]"
            )
            start = time.perf_counter()
            with ProcessPoolExecutor(max_workers=args.jobs) as pool:
                parts = pool.map(check_municipalities, chunks, [False] * len(chunks))
                results = [r for part in parts for r in part]
            idle = time.perf_counter() - start
            print(
                f"checks, national set again, incremental (the nightly steady state, nothing "
                f"changed): {idle:.2f} s  [= {idle / rerun:.3f}x the full re-run]"
            )
            setup()

        if args.skip_import:
            return
        # --- import ---------------------------------------------------------------------------
        target = scale.order_by("code").first()
        refs = list(
            Grant.objects.filter(municipality=target).values_list(
                "reference", "window_start", "window_end"
            )
        )
    import datetime as dt

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "expenditures.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(
                [
                    "municipality",
                    "booking_id",
                    "grant",
                    "date",
                    "amount",
                    "supplier",
                    "invoice_number",
                    "description",
                    "activity",
                    "school",
                    "cost_category",
                    "depreciation_months",
                    "new_construction",
                ]
            )
            for i in range(args.lines):
                ref, lo, hi = rng.choice(refs)
                lo, hi = lo or dt.date(2021, 1, 1), hi or dt.date(2025, 12, 31)
                day = lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))
                writer.writerow(
                    [
                        target.code,
                        f"BENCH-{i:08d}",
                        ref,
                        day.strftime("%d-%m-%Y"),
                        f"{rng.randint(100, 900000) / 100:.2f}".replace(".", ","),
                        f"Leverancier {rng.randint(1, 500)}",
                        f"INV/{i}",
                        "benchmarkregel",
                        "",
                        "",
                        "overig",
                        "",
                        "false",
                    ]
                )
        size = path.stat().st_size / 1e6
        copy_seconds = copy_baseline(path) if connection.vendor == "postgresql" else None
        if copy_seconds is not None:
            print(
                f"baseline: psycopg COPY of the same {args.lines:,}-line CSV into a text table "
                f"{copy_seconds:.2f} s ({args.lines / copy_seconds:,.0f} lines/s)"
            )
        # The import runs in its own process, which reports its own peak memory (the check runs
        # above were child processes too, so RUSAGE_CHILDREN would mix them in).
        runner = (
            "import os, resource, sys, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'portal.settings'); "
            "django.setup(); from django.core.management import call_command; import time; "
            "start = time.perf_counter(); call_command('import_expenditures', sys.argv[1]); "
            "print('IMPORT', time.perf_counter() - start); "
            # VmHWM (peak RSS of this process image): ru_maxrss survives exec on Linux and would
            # report the bigger parent that forked the runner
            "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')] if os.path.exists('/proc/self/status') else []; "
            "print('MAXRSS', int(hwm[0].split()[1]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
        )
        for label in ("import", "re-import (unchanged)"):
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", runner, str(path)],
                capture_output=True,
                text=True,
                cwd=ROOT,
                env=os.environ,
            )
            elapsed = time.perf_counter() - start
            if done.returncode:
                print(done.stderr[-2000:])
                raise SystemExit(f"{label} failed")
            summary, inside, peak = done.stdout.strip().splitlines()[-3:]
            inside = float(inside.split()[1])
            ratio = f" [= {inside / copy_seconds:.1f}x COPY]" if copy_seconds else ""
            print(
                f"{label} of {args.lines:,} lines ({size:.0f} MB CSV): {inside:.1f} s "
                f"({args.lines / inside:,.0f} lines/s){ratio}; {elapsed:.1f} s with the start of "
                f"the process, whose peak memory is {int(peak.split()[1]) / 1024:.0f} MB; "
                f"{summary}"
            )
    setup()
    with scopes_disabled():
        Expenditure.objects.filter(
            municipality=target, booking_id__startswith="BENCH-"
        )._raw_delete(connection.alias)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the deleted rows' space and the statistics
            cursor.execute(f"VACUUM ANALYZE {Expenditure._meta.db_table}")
    print("benchmark lines removed")


if __name__ == "__main__":
    main()
