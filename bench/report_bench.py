"""Spending-report speed (spending-report.md, "Speed"): not a test, a measurement.

    DEBUG=1 python bench/report_bench.py [--lines 5000] [--workers N]

Prints, from the same run on the same machine:

1. baseline: WeasyPrint rendering one plain table of the same lines (the annex's eight columns,
   default-looking CSS: collapsed borders on every cell, automatic column widths) in one process;
2. the full report (front sections + annex of every line) as the worker builds it:
   parallel processes, lean CSS, merged and stamped "pagina N van M";
3. the summary pages alone;
and the ratio baseline / report.

The data are synthetic (no database needed): ReportData as collect_report_data() returns it,
computed into ReportContent by the same compute_report().
"""

import argparse
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.utils.html import escape  # noqa: E402

from funding.models import FundingStream  # noqa: E402
from funding.reports.content import compute_report  # noqa: E402
from funding.reports.data import ReportData  # noqa: E402
from funding.reports.render import render_report_pdf  # noqa: E402
from portal.formatting import format_date, format_money  # noqa: E402
from portal.models import Municipality  # noqa: E402
from portal.pdf import html_to_pdf, pdf_workers  # noqa: E402


def synthetic_data(n: int, seed: int = 7) -> ReportData:
    rng = random.Random(seed)
    municipality = Municipality(code="GM1952", name="Midden-Groningen", slug="midden-groningen")
    stream = FundingStream(
        code="NPO-GEM",
        name="SPUK inhalen COVID-19-gerelateerde onderwijsvertragingen",
        regulation="Regeling specifieke uitkering (Stcrt. 2021, 42927)",
        window_end=date(2025, 7, 31),
    )
    categories = ["personeel", "materiaal", "huisvesting", "ict", "inhuur", "overig"]
    lines = []
    for i in range(n):
        day = date(2023, 1, 1) + timedelta(days=rng.randrange(365))
        act = rng.randrange(25) + 1
        school = rng.randrange(30) + 1
        lines.append(
            {
                "id": i,
                "booking_id": f"MG-2023-{i:06d}",
                "date": day,
                "amount": Decimal(rng.randrange(1000, 500000)) / 100,
                "supplier": f"Leverancier {rng.randrange(80)} B.V.",
                "invoice_number": f"F2023-{rng.randrange(10**6):06d}",
                "description": rng.choice(
                    [
                        "Inzet onderwijsassistent",
                        "Leesmethode en materialen",
                        "Huur gymzaal",
                        "Bijles rekenen groep 7/8",
                        "Laptops voor leerlingen",
                        "Zomerschool",
                    ]
                ),
                "cost_category": rng.choice(categories),
                "grant_id": 1,
                "grant__reference": "SPUK-NPO-2021-1952",
                "activity_id": act,
                "activity__code": f"ACT{act:02d}",
                "activity__name": f"Activiteit {act}",
                "activity__owner_school__code": None,
                "school_id": school,
                "school__code": f"{school:02d}KA00",
                "school__name": f"Basisschool {school}",
                "school__sector": "BO",
                "signed_off_by__email": "accountant@example.org" if i % 50 == 0 else None,
                "signed_off_by__first_name": "",
                "signed_off_by__last_name": "",
                "signed_off_at": datetime(2024, 2, 1, tzinfo=UTC) if i % 50 == 0 else None,
            }
        )
    lines.sort(key=lambda ln: (ln["date"], ln["booking_id"]))
    grants = [
        {
            "id": 1,
            "reference": "SPUK-NPO-2021-1952",
            "window_start": date(2021, 7, 1),
            "window_end": date(2025, 7, 31),
            "amount": Decimal("4500000.00"),
            "carry_over": Decimal("0.00"),
        }
    ]
    funding = [
        {
            "activity_id": a,
            "activity__code": f"ACT{a:02d}",
            "activity__name": f"Activiteit {a}",
            "activity__owner_school__code": None,
            "amount": Decimal("120000.00"),
        }
        for a in range(1, 26)
    ]
    findings = [
        {
            "id": i,
            "key": f"k{i}",
            "rule": "F1",
            "severity": "error",
            "status": "justified",
            "message": f"Dubbele boeking {i}",
            "reason": "Gecorrigeerd in de volgende maand.",
            "amount": Decimal("100.00"),
            "subjects": [],
            "reviewed_by__email": "beleid@example.org",
            "reviewed_at": None,
            "school__code": None,
        }
        for i in range(8)
    ]
    return ReportData(
        municipality,
        stream,
        2023,
        date(2023, 1, 1),
        date(2023, 12, 31),
        grants,
        lines,
        funding,
        findings,
        [],
    )


BASELINE_CSS = {
    # what a first implementation writes: landscape, small font, a border on every cell
    "bordered": "@page{size:A4 landscape} body{font-family:sans-serif;font-size:9pt}"
    "table{border-collapse:collapse;width:100%} th,td{border:1px solid #999;padding:2px 4px}",
    # no stylesheet at all: WeasyPrint's defaults (A4 portrait, 12pt)
    "none": "",
}


def baseline_html(content, css="bordered") -> str:
    """One plain 5,000-row table of the annex's eight columns, in one document."""
    rows = "".join(
        f"<tr><td>{format_date(ln.date)}</td><td>{escape(ln.booking_id)}</td><td>{escape(ln.supplier)}</td>"
        f"<td>{escape(ln.invoice_number)}</td><td>{escape(ln.description)}</td><td>{escape(ln.activity)}</td>"
        f"<td>{escape(ln.school)}</td><td>{format_money(ln.amount)}</td></tr>"
        for g in content.annex
        for ln in g.lines
    )
    return (
        f"<html><head><style>{BASELINE_CSS[css]}</style></head><body>"
        "<table><thead><tr><th>Datum</th><th>Boeking</th><th>Leverancier</th><th>Factuur</th><th>Omschrijving</th>"
        f"<th>Activiteit</th><th>School</th><th>Bedrag</th></tr></thead><tbody>{rows}</tbody></table></body></html>"
    )


def timed(label, fn):
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    print(f"{label:<58} {elapsed:7.2f} s", flush=True)
    return result, elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument(
        "--workers", type=int, default=None, help=f"PDF processes (default {pdf_workers()})"
    )
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument(
        "--baseline",
        choices=sorted(BASELINE_CSS),
        default="bordered",
        help="baseline table styling",
    )
    parser.add_argument(
        "--serial",
        action="store_true",
        help="also time the report in one process (what the processes add)",
    )
    parser.add_argument("--out", default=None, help="write the report PDF here")
    args = parser.parse_args()
    import weasyprint  # noqa: F401 - import cost is not part of either measurement

    data = synthetic_data(args.lines)
    content, _t = timed(
        f"compute_report ({args.lines} lines)", lambda: compute_report(data, report_id=1, version=1)
    )
    workers = args.workers or pdf_workers()
    print(f"cpus: {os.cpu_count()}, pdf workers: {workers}, load average: {os.getloadavg()[0]:.2f}")
    summary_pdf, t_summary = timed(
        f"summary pages alone (front sections, {workers} processes)",
        lambda: render_report_pdf(content, summary_only=True, workers=workers),
    )
    timed(
        "summary pages alone (front sections, 1 process)",
        lambda: render_report_pdf(content, summary_only=True, workers=1),
    )
    pdf, t_report = timed(
        f"full report, {args.lines} annex lines, {workers} processes",
        lambda: render_report_pdf(content, workers=workers),
    )
    if args.out:
        Path(args.out).write_bytes(pdf)
    if args.serial:
        timed(
            f"full report, {args.lines} annex lines, 1 process",
            lambda: render_report_pdf(content, workers=1),
        )
    if args.skip_baseline:
        return
    html = baseline_html(content, args.baseline)
    _base, t_base = timed(
        f"baseline ({args.baseline}): one plain {args.lines}-row table, 1 process",
        lambda: html_to_pdf(html),
    )
    print(
        f"ratio baseline / report: {t_base / t_report:.2f}x (goal >= 1.7x); summary pages {t_summary:.2f} s"
    )


if __name__ == "__main__":
    main()
