"""The files of a spending report: the PDF (front and annex rendered in parallel) and its XLSX
twin, both from one :class:`~funding.reports.content.ReportContent`."""

from __future__ import annotations

import io
import logging

from django.utils.translation import gettext as _

from portal.charts import Series, bar_chart, column_chart
from portal.exports import add_sheet, safe_cell
from portal.formatting import format_date, format_money

from .content import ReportContent

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# 3. Files
# --------------------------------------------------------------------------------------------


def render_report_xlsx(content: ReportContent) -> bytes:
    """The XLSX twin: a summary sheet (the same figures as the PDF) and a lines sheet (every
    annex line, numbers and dates as real cells, with a total)."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(_("Samenvatting"))
    s = content.summary
    for label, value in [
        (_("Gemeente"), f"{content.municipality_name} ({content.municipality_code})"),
        (_("Stroom"), f"{content.stream_code} – {content.stream_name}"),
        (_("Periode"), content.period_label),
        (_("Versie"), content.version),
        (_("SHA-256 van de gegevens"), content.data_sha256),
        (_("Aangemaakt op"), format_date(content.generated_at)),
        (None, None),
        (_("Totaal toegekend (incl. overheveling)"), s.granted),
        (_("Besteding in de periode"), s.spending),
        (_("Cumulatief besteed"), s.cumulative),
        (_("Verplicht"), s.committed),
        (_("Resterend"), s.remaining),
        (_("Benutting (%)"), s.utilisation),
        (_("Eindverantwoording"), _("ja") if s.final_accounting else _("nee")),
    ]:
        ws.append(
            [safe_cell(str(label)), safe_cell(value) if isinstance(value, str) else value]
            if label
            else []
        )

    def table(title, header, rows):
        ws.append([])
        ws.append([safe_cell(str(title))])
        ws.append([str(h) for h in header])
        for row in rows:
            ws.append([safe_cell(v) for v in row])

    table(
        _("Per kostensoort"),
        [_("Kostensoort"), _("Bedrag"), _("Aandeel (%)")],
        [(r.label, r.amount, r.share) for r in content.by_category],
    )
    table(
        _("Per activiteit"),
        [_("Activiteit"), _("Bedrag"), _("Aandeel (%)")],
        [(r.label, r.amount, r.share) for r in content.by_activity],
    )
    table(
        _("Per maand"),
        [_("Maand"), _("Bedrag"), _("Cumulatief in de periode")],
        [(r.label, r.amount, r.running_total) for r in content.by_month],
    )
    table(
        _("Per sector"),
        [_("Sector"), _("Bedrag"), _("Aandeel (%)")],
        [(r.label, r.amount, r.share) for r in content.by_sector],
    )
    table(
        _("Per school"),
        [_("School"), _("Bedrag"), _("Aandeel (%)")],
        [(r.label, r.amount, r.share) for r in content.by_school],
    )
    table(
        _("Bevindingen"),
        [_("Regel"), _("Ernst"), _("Status"), _("Melding"), _("Toelichting"), _("Bedrag")],
        [
            (f.rule_label, f.severity_label, f.status_label, f.message, f.reason, f.amount)
            for f in content.findings
        ],
    )
    table(
        _("Grants"),
        [_("Kenmerk"), _("Begin"), _("Einde"), _("Bedrag"), _("Overheveling")],
        [
            (g.reference, g.window_start, g.window_end, g.amount, g.carry_over)
            for g in content.grants
        ],
    )

    header = [
        _("Datum"),
        _("Boeking"),
        _("Leverancier"),
        _("Factuur"),
        _("Omschrijving"),
        _("Activiteit"),
        _("School"),
        _("Kostensoort"),
        _("Beschikking"),
        _("Bedrag"),
    ]
    rows = [
        [
            ln.date,
            ln.booking_id,
            ln.supplier,
            ln.invoice_number,
            ln.description,
            ln.activity,
            ln.school,
            ln.cost_category,
            ln.grant,
            ln.amount,
        ]
        for group in content.annex
        for ln in group.lines
    ]
    rows.append([None] * 9 + [content.annex_total])
    # one sheet helper for every export: bold frozen header, autofilter, euro and date formats
    add_sheet(wb, rows, header, _("Regels"))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _share_chart(rows, title, *, limit=12):
    """The SVG of a bar per row (label, amount), at most ``limit`` bars; the table next to it in
    the PDF holds every row."""
    rows = list(rows)[:limit]
    if not rows:
        return ""
    return bar_chart(
        title=title,
        description="; ".join(f"{r.label}: {format_money(r.amount)}" for r in rows),
        categories=[r.label for r in rows],
        series=[Series(_("Besteding"), [r.amount for r in rows])],
        money=True,
        label_width=220,
    ).svg


def _month_chart(rows):
    """The SVG of columns per month (credit-note months below zero) and the running total."""
    rows = list(rows)
    if not rows:
        return ""
    return column_chart(
        title=_("Besteding per maand"),
        description="; ".join(
            f"{r.label}: {format_money(r.amount)} ({_('cumulatief')} {format_money(r.running_total)})"
            for r in rows
        ),
        categories=[f"{r.month:%m-%y}" for r in rows],
        series=[Series(_("Besteding per maand"), [r.amount for r in rows])],
        running=Series(_("Cumulatief in de periode"), [r.running_total for r in rows]),
        money=True,
    ).svg


def render_report_pdf(
    content: ReportContent, *, workers: int | None = None, summary_only: bool = False
) -> bytes:
    """The PDF: front sections and the annex rendered as separate documents in parallel
    processes (``workers``, default :func:`portal.pdf.pdf_workers`), merged and stamped
    "pagina N van M" (portal.pdf). A long sign-off list (section 7, more than
    :data:`SIGNOFF_APART_ROWS` lines) is laid out in runs of its own beside the front sections,
    as the annex is: WeasyPrint spends ~2 ms per table row, so 773 signed-off lines cost five
    times the rest of the front (issue 14). ``summary_only``: the front sections alone."""
    from django.template.loader import render_to_string

    from portal.pdf import render_parallel

    workers = _pdf_workers(workers)
    base = {"report": content, "summary": content.summary}
    signoff_runs = signoff_chunks(content, parts=workers if summary_only else 1)
    front = render_to_string(
        "funding/reports/pdf_front.html",
        {
            **base,
            "signoffs_apart": bool(signoff_runs),
            "category_chart": _share_chart(content.by_category, _("Besteding per kostensoort")),
            "activity_chart": _share_chart(content.by_activity, _("Besteding per activiteit")),
            "month_chart": _month_chart(content.by_month),
        },
    )
    pieces = [front] + [
        render_to_string("funding/reports/pdf_signoffs.html", {**base, **run})
        for run in signoff_runs
    ]
    if not summary_only:
        pieces += [
            render_to_string("funding/reports/pdf_annex.html", {**base, **chunk})
            for chunk in annex_chunks(content, parts=workers)
        ]
    return render_parallel(pieces, workers=workers, lean=True)


def _pdf_workers(workers):
    from portal.pdf import pdf_workers

    return workers or pdf_workers()


# Rows of the annex that cost about as much to lay out as the front sections.
FRONT_WEIGHT_ROWS = 150
# Up to this many signed-off lines stay in the front document (one document is cheapest).
SIGNOFF_APART_ROWS = 150


def _bounds(n: int, parts: int, head_weight: int) -> list[tuple[int, int]]:
    """``parts`` runs [start, stop) of ``n`` rows of about equal cost when the first run shares
    its process with a document that costs ``head_weight`` rows."""
    per = (n + head_weight) / parts
    bounds, start = [], 0
    for i in range(parts):
        stop = n if i == parts - 1 else max(start, round(per * (i + 1) - head_weight))
        bounds.append((start, stop))
        start = stop
    return [(a, b) for a, b in bounds if a < b]


def signoff_chunks(content: ReportContent, *, parts: int) -> list[dict]:
    """Section 7 (the signed-off lines) as runs for documents of their own, or ``[]`` when it is
    short enough to stay in the front document. Each run is ``{"lines", "first", "last"}``: the
    first opens the section, the last closes it with the total and the signature block; the
    header row repeats in every run. ``parts``: at most this many runs (the first shares its
    process with the front sections)."""
    rows = content.signoffs
    if len(rows) <= SIGNOFF_APART_ROWS:
        return []
    parts = max(1, min(parts, len(rows) // SIGNOFF_APART_ROWS))
    return [
        {"lines": rows[a:b], "first": a == 0, "last": b == len(rows)}
        for a, b in _bounds(len(rows), parts, FRONT_WEIGHT_ROWS)
    ]


def annex_chunks(content: ReportContent, *, parts: int) -> list[dict]:
    """Split the annex into ``parts`` runs of about equal layout cost (the first part shares
    its process with the front sections). A month split over two parts repeats its heading
    ("vervolg") and shows its subtotal at its end; the grand total closes the last part."""
    rows = [(g, ln) for g in content.annex for ln in g.lines]
    if not rows:
        return [{"groups": [], "first": True, "last": True}]
    parts = max(1, min(parts, len(rows) // 200 or 1))
    chunks = []
    for a, b in _bounds(len(rows), parts, FRONT_WEIGHT_ROWS):
        groups = []
        for group, line in rows[a:b]:
            if not groups or groups[-1]["group"] is not group:
                groups.append(
                    {
                        "group": group,
                        "lines": [],
                        "continued": bool(groups == [] and a > 0 and rows[a - 1][0] is group),
                        "closes": False,
                    }
                )
            groups[-1]["lines"].append(line)
        for g in groups:
            g["closes"] = g["lines"][-1] is g["group"].lines[-1]
        chunks.append({"groups": groups, "first": a == 0, "last": b == len(rows)})
    return chunks
