"""Spending reports (bestedingsrapportage, spending-report.md): content, files, jobs, locking.

The report is computed in three steps, each usable on its own:

1. :func:`collect_report_data` reads everything a report is built from (grants, expenditure
   lines, planned funding, findings, period locks) as plain values, in a fixed order;
2. :func:`data_sha256` hashes a canonical serialisation of that data: the report's identity.
   Same hash => the existing version is returned; another hash => the next version;
3. :func:`compute_report` turns the data into a :class:`ReportContent` dataclass, which the
   PDF templates, the XLSX writer and the tests all use. Every total in it is the sum of its
   lines (computed from them, never looked up separately).

Definitions (also printed in the report):

- *Period*: calendar year T, or without a year the whole window of the grants (from the earliest
  grant start to the latest grant end; open ends are taken from the lines).
- *Grants included*: the municipality's grants of the stream whose window overlaps the period,
  plus any grant with lines booked in the period.
- *Spending in the period*: the sum of the included grants' lines dated in the period (= the
  annex's grand total).
- *Cumulative spending*: the sum of those grants' lines dated up to the end of the period.
- *Committed*: for every activity with planned funding from this stream (``FundingLine.amount``),
  that amount minus what is already spent on the activity from the included grants up to the end
  of the period, never below zero per activity; summed over the activities.
- *Remaining*: total granted (incl. carry-over) minus cumulative spending minus committed.
- *Utilisation*: cumulative spending / total granted x 100.
- *Final accounting*: the latest grant window ends before the report is generated.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_log
from portal.exceptions import ApplicationError
from portal.domain import Sector
from portal.formatting import format_date

from ..models import (
    Expenditure,
    Finding,
    FundingLine,
    FundingStream,
    Grant,
    PeriodLock,
    SpendingReport,
)

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
MONTHS_NL = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]
# A build that has been "running" longer than this is considered dead (its worker was killed
# and the broker did not hand the job to another one): it is re-queued or failed.
MAX_ATTEMPTS = 3


def stale_after() -> timedelta:
    """How long a build may run before it counts as dead: the task's hard time limit plus a
    margin (a live build is killed by Celery at the time limit anyway)."""
    return timedelta(seconds=int(getattr(settings, "CELERY_TASK_TIME_LIMIT", 720)) + 60)


# --------------------------------------------------------------------------------------------
# 1. Data
# --------------------------------------------------------------------------------------------


@dataclass
class ReportData:
    """Everything a report is built from, as plain values (no model instances)."""

    municipality: object
    stream: FundingStream
    year: int | None
    period_start: date | None
    period_end: date | None
    grants: list[dict]
    lines: list[dict]  # every line of the included grants up to the end of the period
    funding_lines: list[dict]
    findings: list[dict]
    locks: list[dict]


def _period_bounds(year):
    if year:
        return date(year, 1, 1), date(year, 12, 31)
    return None, None


LINE_FIELDS = (
    "id",
    "booking_id",
    "date",
    "amount",
    "supplier",
    "invoice_number",
    "description",
    "cost_category",
    "grant_id",
    "grant__reference",
    "activity_id",
    "activity__code",
    "activity__name",
    "activity__owner_school__code",
    "school_id",
    "school__code",
    "school__name",
    "school__sector",
    "signed_off_by__email",
    "signed_off_by__first_name",
    "signed_off_by__last_name",
    "signed_off_at",
)


def collect_report_data(*, municipality, stream, year: int | None) -> ReportData:
    """Read what the report for ``municipality`` x ``stream`` x ``year`` (None: whole window) is
    built from. Six queries, whatever the number of lines."""
    start, end = _period_bounds(year)
    grants_qs = Grant.objects.filter(municipality=municipality, stream=stream)
    if year:
        overlapping = Q(window_start__isnull=True) | Q(window_start__lte=end)
        overlapping &= Q(window_end__isnull=True) | Q(window_end__gte=start)
        with_lines = Q(
            pk__in=Expenditure.objects.filter(
                municipality=municipality, grant__stream=stream, date__range=(start, end)
            ).values("grant_id")
        )
        grants_qs = grants_qs.filter(overlapping | with_lines)
    grants = list(
        grants_qs.order_by("window_start", "reference").values(
            "id", "reference", "window_start", "window_end", "amount", "carry_over"
        )
    )
    grant_ids = [g["id"] for g in grants]

    lines_qs = Expenditure.objects.filter(municipality=municipality, grant_id__in=grant_ids)
    if end:
        lines_qs = lines_qs.filter(date__lte=end)
    lines = list(lines_qs.order_by("date", "booking_id").values(*LINE_FIELDS))

    if not year:
        starts = [g["window_start"] for g in grants if g["window_start"]] + [
            l["date"] for l in lines[:1]
        ]
        ends = [g["window_end"] for g in grants if g["window_end"]] + [
            l["date"] for l in lines[-1:]
        ]
        start = min(starts) if starts else None
        end = max(ends) if ends else None

    funding_lines = list(
        FundingLine.objects.filter(
            stream=stream, activity__municipality=municipality, amount__isnull=False
        )
        .order_by("activity__code", "activity_id")
        .values(
            "activity_id",
            "activity__code",
            "activity__name",
            "activity__owner_school__code",
            "amount",
        )
    )
    findings = list(
        Finding.objects.filter(municipality=municipality, streams=stream)
        .order_by("rule", "key")
        .values(
            "id",
            "key",
            "rule",
            "severity",
            "status",
            "message",
            "reason",
            "amount",
            "subjects",
            "reviewed_by__email",
            "reviewed_at",
            "school__code",
        )
    )
    locks_qs = PeriodLock.objects.filter(municipality=municipality, stream=stream)
    if year:
        locks_qs = locks_qs.filter(year=year)
    locks = list(
        locks_qs.order_by("year", "locked_at", "id").values(
            "id",
            "year",
            "locked_by__email",
            "locked_at",
            "reopened_by__email",
            "reopened_at",
            "reopen_reason",
        )
    )
    return ReportData(
        municipality, stream, year, start, end, grants, lines, funding_lines, findings, locks
    )


def _canonical(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def data_sha256(data: ReportData) -> str:
    """SHA-256 of a canonical serialisation (sorted-key JSON, amounts with two decimals, ISO
    dates) of every value the report is built from. Database ids are left out, except as the
    stable order they already give; natural keys (references, booking ids, codes) identify rows."""
    payload = {
        "municipality": data.municipality.code,
        "stream": data.stream.code,
        "year": data.year,
        "grants": [{k: v for k, v in g.items() if k != "id"} for g in data.grants],
        "lines": [
            {k: v for k, v in l.items() if not k.endswith("id") or k == "booking_id"}
            for l in data.lines
        ],
        "funding_lines": [
            {k: v for k, v in f.items() if k != "activity_id"} for f in data.funding_lines
        ],
        "findings": [{k: v for k, v in f.items() if k != "id"} for f in data.findings],
        "locks": [{k: v for k, v in lk.items() if k != "id"} for lk in data.locks],
    }
    text = json.dumps(
        _canonical(payload), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------------------------
# 2. Content
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GrantRow:
    reference: str
    window_start: date | None
    window_end: date | None
    amount: Decimal
    carry_over: Decimal

    @property
    def total(self):
        return self.amount + self.carry_over


@dataclass(frozen=True)
class Summary:
    granted: Decimal
    spending: Decimal
    cumulative: Decimal
    committed: Decimal
    remaining: Decimal
    utilisation: Decimal | None
    final_accounting: bool


@dataclass(frozen=True)
class ShareRow:
    label: str
    amount: Decimal
    share: Decimal | None  # % of the period's spending
    count: int = 0


@dataclass(frozen=True)
class MonthRow:
    month: date
    label: str
    amount: Decimal
    running_total: Decimal


@dataclass(frozen=True)
class CommitmentRow:
    activity: str
    planned: Decimal
    spent: Decimal
    committed: Decimal


@dataclass(frozen=True)
class FindingRow:
    rule: str
    rule_label: str
    severity: str
    severity_label: str
    status: str
    status_label: str
    message: str
    reason: str
    amount: Decimal | None
    reviewed_by: str
    reviewed_at: datetime | None


@dataclass(frozen=True)
class LockRow:
    year: int
    locked_by: str
    locked_at: datetime
    reopened_by: str
    reopened_at: datetime | None
    reason: str


@dataclass(frozen=True)
class Line:
    date: date
    booking_id: str
    supplier: str
    invoice_number: str
    description: str
    activity: str
    school: str
    sector: str
    cost_category: str
    grant: str
    amount: Decimal
    signed_off_by: str
    signed_off_at: datetime | None


@dataclass
class MonthGroup:
    month: date
    label: str
    lines: list[Line]

    @property
    def subtotal(self) -> Decimal:
        return sum((l.amount for l in self.lines), ZERO)


@dataclass
class ReportContent:
    """The whole report as plain data; the PDF, the XLSX and the tests read only this."""

    municipality_name: str
    municipality_code: str
    stream_code: str
    stream_name: str
    regulation: str
    sisa_code: str
    year: int | None
    period_start: date | None
    period_end: date | None
    period_label: str
    grants: list[GrantRow]
    summary: Summary
    by_category: list[ShareRow]
    by_activity: list[ShareRow]
    by_month: list[MonthRow]
    by_school: list[ShareRow]
    by_sector: list[ShareRow]
    commitments: list[CommitmentRow]
    findings: list[FindingRow]
    signoffs: list[Line]
    locks: list[LockRow]
    annex: list[MonthGroup]
    data_sha256: str
    generated_at: datetime
    report_id: int | None = None
    version: int | None = None
    definitions: list[str] = field(default_factory=list)

    @property
    def annex_total(self) -> Decimal:
        return sum((g.subtotal for g in self.annex), ZERO)

    @property
    def line_count(self) -> int:
        return sum(len(g.lines) for g in self.annex)

    @property
    def signed_off_total(self) -> Decimal:
        return sum((l.amount for l in self.signoffs), ZERO)

    @property
    def granted_total(self) -> Decimal:
        return sum((g.total for g in self.grants), ZERO)


def _name(first, last, email):
    full = f"{first or ''} {last or ''}".strip()
    return full or (email or "")


def _share(amount, total):
    if not total:
        return None
    return (amount * HUNDRED / total).quantize(Decimal("0.1"))


def _shares(groups: dict, total: Decimal, counts: dict) -> list[ShareRow]:
    rows = [
        ShareRow(label, amount, _share(amount, total), counts[label])
        for label, amount in groups.items()
    ]
    return sorted(rows, key=lambda r: (-r.amount, r.label))


def _month_label(day: date) -> str:
    return f"{MONTHS_NL[day.month - 1]} {day.year}"


def _months_between(start: date, end: date):
    month = date(start.year, start.month, 1)
    while month <= end:
        yield month
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def compute_report(
    data: ReportData, *, sha256: str | None = None, generated_at=None, report_id=None, version=None
) -> ReportContent:
    """Turn :class:`ReportData` into :class:`ReportContent` (pure; no queries)."""
    generated_at = generated_at or timezone.now()
    sha256 = sha256 or data_sha256(data)
    category_labels = dict(Expenditure.CostCategory.choices)
    start, end = data.period_start, data.period_end

    grants = [
        GrantRow(g["reference"], g["window_start"], g["window_end"], g["amount"], g["carry_over"])
        for g in data.grants
    ]

    lines = []
    spent_by_activity = defaultdict(lambda: ZERO)
    cumulative = ZERO
    for row in data.lines:
        cumulative += row["amount"]
        if row["activity_id"]:
            spent_by_activity[row["activity_id"]] += row["amount"]
        if start and row["date"] < start:
            continue  # before the period: counts for cumulative and commitments only
        activity = ""
        if row["activity_id"]:
            owner = row["activity__owner_school__code"]
            activity = f"{row['activity__code']} – {row['activity__name']}" + (
                f" ({owner})" if owner else ""
            )
        lines.append(
            Line(
                date=row["date"],
                booking_id=row["booking_id"],
                supplier=row["supplier"],
                invoice_number=row["invoice_number"],
                description=row["description"],
                activity=activity,
                school=f"{row['school__name']} ({row['school__code']})" if row["school_id"] else "",
                sector=row["school__sector"] or "",
                cost_category=str(category_labels.get(row["cost_category"], row["cost_category"])),
                grant=row["grant__reference"],
                amount=row["amount"],
                signed_off_by=_name(
                    row["signed_off_by__first_name"],
                    row["signed_off_by__last_name"],
                    row["signed_off_by__email"],
                )
                if row["signed_off_by__email"]
                else "",
                signed_off_at=row["signed_off_at"],
            )
        )

    # Annex: every line, by month. Spending is the annex's total, by construction.
    groups: OrderedDict[date, MonthGroup] = OrderedDict()
    for line in lines:
        month = date(line.date.year, line.date.month, 1)
        if month not in groups:
            groups[month] = MonthGroup(month, _month_label(month), [])
        groups[month].lines.append(line)
    annex = list(groups.values())
    spending = sum((l.amount for l in lines), ZERO)

    def grouped(key):
        amounts, counts = OrderedDict(), defaultdict(int)
        for line in lines:
            label = key(line)
            amounts[label] = amounts.get(label, ZERO) + line.amount
            counts[label] += 1
        return _shares(amounts, spending, counts)

    by_category = grouped(lambda l: l.cost_category)
    by_activity = grouped(lambda l: l.activity or _("(geen activiteit)"))
    by_school = grouped(lambda l: l.school or _("(geen school genoemd)"))
    by_sector = grouped(
        lambda l: (
            str(Sector(l.sector).label)
            if l.sector in Sector.values
            else (l.sector or _("(geen school genoemd)"))
        )
    )

    by_month = []
    running = ZERO
    if lines:
        month_start = start or lines[0].date
        month_end = end or lines[-1].date
        month_start = min(month_start, lines[0].date)
        month_end = max(month_end, lines[-1].date)
        for month in _months_between(month_start, month_end):
            amount = groups[month].subtotal if month in groups else ZERO
            running += amount
            by_month.append(MonthRow(month, _month_label(month), amount, running))

    commitments = []
    for fl in data.funding_lines:
        spent = spent_by_activity.get(fl["activity_id"], ZERO)
        owner = fl["activity__owner_school__code"]
        label = f"{fl['activity__code']} – {fl['activity__name']}" + (
            f" ({owner})" if owner else ""
        )
        commitments.append(
            CommitmentRow(label, fl["amount"], spent, max(ZERO, fl["amount"] - spent))
        )
    committed = sum((c.committed for c in commitments), ZERO)

    granted = sum((g.total for g in grants), ZERO)
    window_end = max((g.window_end for g in grants if g.window_end), default=data.stream.window_end)
    summary = Summary(
        granted=granted,
        spending=spending,
        cumulative=cumulative,
        committed=committed,
        remaining=granted - cumulative - committed,
        utilisation=_share(cumulative, granted),
        final_accounting=bool(window_end and window_end < timezone.localdate(generated_at)),
    )

    rules, severities, statuses = (
        dict(Finding.Rule.choices),
        dict(Finding.Severity.choices),
        dict(Finding.Status.choices),
    )
    findings = [
        FindingRow(
            rule=f["rule"],
            rule_label=str(rules.get(f["rule"], f["rule"])),
            severity=f["severity"],
            severity_label=str(severities.get(f["severity"], f["severity"])),
            status=f["status"],
            status_label=str(statuses.get(f["status"], f["status"])),
            message=f["message"],
            reason=f["reason"],
            amount=f["amount"],
            reviewed_by=f["reviewed_by__email"] or "",
            reviewed_at=f["reviewed_at"],
        )
        for f in data.findings
    ]
    locks = [
        LockRow(
            lk["year"],
            lk["locked_by__email"] or "",
            lk["locked_at"],
            lk["reopened_by__email"] or "",
            lk["reopened_at"],
            lk["reopen_reason"],
        )
        for lk in data.locks
    ]
    stream = data.stream
    period_label = (
        str(data.year)
        if data.year
        else (
            _("hele termijn (%(start)s t/m %(end)s)")
            % {"start": format_date(start), "end": format_date(end)}
            if start and end
            else _("hele termijn")
        )
    )
    return ReportContent(
        municipality_name=data.municipality.name,
        municipality_code=data.municipality.code,
        stream_code=stream.code,
        stream_name=stream.name,
        regulation=stream.regulation,
        sisa_code=stream.sisa_code,
        year=data.year,
        period_start=start,
        period_end=end,
        period_label=period_label,
        grants=grants,
        summary=summary,
        by_category=by_category,
        by_activity=by_activity,
        by_month=by_month,
        by_school=by_school,
        by_sector=by_sector,
        commitments=commitments,
        findings=findings,
        signoffs=[l for l in lines if l.signed_off_by],
        locks=locks,
        annex=annex,
        data_sha256=sha256,
        generated_at=generated_at,
        report_id=report_id,
        version=version,
        definitions=DEFINITIONS(),
    )


def DEFINITIONS():  # noqa: N802 - a constant that must be translated at call time
    return [
        _(
            "Besteding in de periode: som van de regels van de opgenomen beschikkingen met een boekdatum in de periode (= eindtotaal van de bijlage)."
        ),
        _("Cumulatief besteed: som van die regels tot en met het einde van de periode."),
        _(
            "Verplicht: per activiteit de geplande financiering uit deze stroom min wat er tot en met het einde van de periode uit deze stroom aan is besteed, nooit minder dan nul."
        ),
        _("Resterend: totaal toegekend (incl. overheveling) min cumulatief besteed min verplicht."),
        _("Benutting: cumulatief besteed gedeeld door totaal toegekend."),
        _(
            "Eindverantwoording: de laatste bestedingstermijn is verstreken op de datum van aanmaken."
        ),
    ]


def build_report_content(*, municipality, stream, year, report=None) -> ReportContent:
    data = collect_report_data(municipality=municipality, stream=stream, year=year)
    return compute_report(
        data, report_id=getattr(report, "pk", None), version=getattr(report, "version", None)
    )


# --------------------------------------------------------------------------------------------
# 3. Files
# --------------------------------------------------------------------------------------------


def render_report_xlsx(content: ReportContent) -> bytes:
    """The XLSX twin: a summary sheet (the same figures as the PDF) and a lines sheet (every
    annex line, numbers and dates as real cells, with a total)."""
    import openpyxl

    from portal.imports import safe_cell

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

    lines = wb.create_sheet(_("Regels"))
    lines.append(
        [
            str(h)
            for h in (
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
            )
        ]
    )
    for group in content.annex:
        for l in group.lines:
            lines.append(
                [
                    l.date,
                    safe_cell(l.booking_id),
                    safe_cell(l.supplier),
                    safe_cell(l.invoice_number),
                    safe_cell(l.description),
                    safe_cell(l.activity),
                    safe_cell(l.school),
                    l.cost_category,
                    safe_cell(l.grant),
                    l.amount,
                ]
            )
    lines.append([None] * 9 + [content.annex_total])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def render_report_pdf(
    content: ReportContent, *, workers: int | None = None, summary_only: bool = False
) -> bytes:
    """The PDF: front sections and the annex rendered as separate documents in parallel
    processes, merged and stamped "pagina N van M" (portal.pdf)."""
    from django.template.loader import render_to_string

    from portal.pdf import render_parallel

    from .report_charts import category_chart, month_chart

    base = {"report": content, "summary": content.summary}
    front = render_to_string(
        "funding/reports/pdf_front.html",
        {
            **base,
            "category_chart": category_chart(content.by_category, _("Besteding per kostensoort")),
            "activity_chart": category_chart(content.by_activity, _("Besteding per activiteit")),
            "month_chart": month_chart(content.by_month, _("Besteding per maand")),
        },
    )
    if summary_only:
        return render_parallel([front], workers=1, lean=True)
    pieces = [front] + [
        render_to_string("funding/reports/pdf_annex.html", {**base, **chunk})
        for chunk in annex_chunks(content, parts=_pdf_workers(workers))
    ]
    return render_parallel(pieces, workers=workers, lean=True)


def _pdf_workers(workers):
    from portal.pdf import pdf_workers

    return workers or pdf_workers()


# Rows of the annex that cost about as much to lay out as the front sections.
FRONT_WEIGHT_ROWS = 150


def annex_chunks(content: ReportContent, *, parts: int) -> list[dict]:
    """Split the annex into ``parts`` runs of about equal layout cost (the first part shares
    its process with the front sections). A month split over two parts repeats its heading
    ("vervolg") and shows its subtotal at its end; the grand total closes the last part."""
    rows = [(g, l) for g in content.annex for l in g.lines]
    if not rows:
        return [{"groups": [], "first": True, "last": True}]
    parts = max(1, min(parts, len(rows) // 200 or 1))
    per = (len(rows) + FRONT_WEIGHT_ROWS) / parts
    bounds, start = [], 0
    for i in range(parts):
        stop = len(rows) if i == parts - 1 else max(start, round(per * (i + 1) - FRONT_WEIGHT_ROWS))
        bounds.append((start, stop))
        start = stop
    chunks = []
    for index, (a, b) in enumerate(bounds):
        if a == b:
            continue
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


def _sha256(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


# --------------------------------------------------------------------------------------------
# 4. Jobs (services: every write here)
# --------------------------------------------------------------------------------------------


def _enqueue(report):
    from ..report_tasks import build_spending_report

    report_id = report.pk
    transaction.on_commit(lambda: build_spending_report.delay(report_id))


def report_request(
    *, municipality, stream, year: int | None, user, enqueue: bool = True
) -> tuple[SpendingReport, bool]:
    """Ask for the report of ``municipality`` x ``stream`` x ``year``. Returns ``(report,
    created)``: the existing version when the data are unchanged (a failed one is queued again),
    else a new version, queued for the worker. Returns at once; the build runs in the
    background (``enqueue=False``: the caller builds it, as the command and the demo do)."""
    if year is not None and not (2000 <= year <= 2100):
        raise ApplicationError(_("Kies een geldig jaar."))
    data = collect_report_data(municipality=municipality, stream=stream, year=year)
    sha = data_sha256(data)
    period = {"municipality": municipality, "stream": stream}
    for _attempt in range(3):
        try:
            with transaction.atomic():
                existing = (
                    SpendingReport.objects.select_for_update()
                    .filter(**period, data_sha256=sha)
                    .filter(_year_q(year))
                    .first()
                )
                if existing:
                    if existing.status == SpendingReport.Status.FAILED:
                        _requeue(existing, user=user, enqueue=enqueue)
                    return existing, False
                last = (
                    SpendingReport.objects.filter(**period)
                    .filter(_year_q(year))
                    .aggregate(v=Max("version"))["v"]
                    or 0
                )
                report = SpendingReport.objects.create(
                    **period,
                    year=year,
                    version=last + 1,
                    data_sha256=sha,
                    requested_by=user,
                    stage=_("in de wachtrij"),
                )
                audit_log(
                    actor=user,
                    action="report.request",
                    obj=report,
                    changes={"version": [None, report.version], "data_sha256": [None, sha]},
                )
                if enqueue:
                    _enqueue(report)
                return report, True
        except IntegrityError:
            continue  # someone asked at the same moment: read theirs
    raise ApplicationError(_("De rapportage kon niet worden aangevraagd; probeer het opnieuw."))


def _year_q(year):
    return Q(year=year) if year is not None else Q(year__isnull=True)


def _requeue(report, *, user, enqueue=True):
    report.status = SpendingReport.Status.QUEUED
    report.progress = 0
    report.error = ""
    report.attempts = 0
    report.stage = _("in de wachtrij")
    report.save(update_fields=["status", "progress", "error", "attempts", "stage"])
    audit_log(actor=user, action="report.retry", obj=report)
    if enqueue:
        _enqueue(report)


def report_retry(*, report: SpendingReport, user) -> SpendingReport:
    """Queue a failed build again (the retry button)."""
    with transaction.atomic():
        report = SpendingReport.objects.select_for_update().get(pk=report.pk)
        if report.status != SpendingReport.Status.FAILED:
            raise ApplicationError(_("Alleen een mislukte rapportage kan opnieuw worden gemaakt."))
        _requeue(report, user=user)
    return report


def _progress(report_id, progress, stage):
    SpendingReport.objects.filter(pk=report_id, status=SpendingReport.Status.RUNNING).update(
        progress=progress, stage=stage
    )


def report_build(*, report_id: int, workers: int | None = None) -> SpendingReport | None:
    """Build the files of one queued report; idempotent. A report already done is left alone
    (a redelivered message does nothing); a report whose previous attempt died mid-build is
    built again from scratch. Too many attempts fail it with a reason instead of looping."""
    with transaction.atomic():
        report = (
            SpendingReport.objects.select_for_update()
            .select_related("municipality", "stream")
            .filter(pk=report_id)
            .first()
        )
        if report is None or report.status == SpendingReport.Status.DONE:
            return report
        if report.status == SpendingReport.Status.FAILED:
            return report
        if report.attempts >= MAX_ATTEMPTS:
            _fail(
                report,
                _("Gestopt na %(n)s pogingen: de verwerking werd telkens afgebroken.")
                % {"n": report.attempts},
            )
            return report
        report.status = SpendingReport.Status.RUNNING
        report.attempts += 1
        report.started_at = timezone.now()
        report.progress = 5
        report.stage = _("gegevens verzamelen")
        report.save(update_fields=["status", "attempts", "started_at", "progress", "stage"])
    try:
        data = collect_report_data(
            municipality=report.municipality, stream=report.stream, year=report.year
        )
        sha = data_sha256(data)
        if sha != report.data_sha256:
            raise ApplicationError(
                _("De gegevens zijn gewijzigd sinds de aanvraag; vraag de rapportage opnieuw aan.")
            )
        content = compute_report(data, sha256=sha, report_id=report.pk, version=report.version)
        _progress(report.pk, 20, _("PDF opmaken (%(n)s regels)") % {"n": content.line_count})
        pdf = render_report_pdf(content, workers=workers)
        _progress(report.pk, 85, _("XLSX maken"))
        xlsx = render_report_xlsx(content)
        _progress(report.pk, 95, _("bestanden opslaan"))
        stem = f"bestedingsrapportage-{report.municipality.code}-{report.stream.code}-{report.year or 'termijn'}-v{report.version}"
        with transaction.atomic():
            current = SpendingReport.objects.select_for_update().get(pk=report.pk)
            if current.status != SpendingReport.Status.RUNNING:
                return current  # reaped or finished by another worker meanwhile
            for field_name, payload, ext in (("pdf", pdf, "pdf"), ("xlsx", xlsx, "xlsx")):
                name = f"{stem}-{sha[:12]}.{ext}"
                path = _report_path(current, name)
                if default_storage.exists(path):
                    default_storage.delete(path)  # a half-written file of a killed attempt
                getattr(current, field_name).save(name, ContentFile(payload), save=False)
                setattr(current, f"{field_name}_sha256", _sha256(payload))
            current.status = SpendingReport.Status.DONE
            current.progress = 100
            current.stage = _("klaar")
            current.error = ""
            current.finished_at = timezone.now()
            current.line_count = content.line_count
            current.spending = content.summary.spending
            current.save()
        return current
    except Exception as error:  # noqa: BLE001 - every failure must end the job with a reason
        logger.exception("spending report %s failed", report.pk)
        reason = (
            error.message
            if isinstance(error, ApplicationError)
            else _("Technische fout: %(e)s") % {"e": error}
        )
        with transaction.atomic():
            current = SpendingReport.objects.select_for_update().get(pk=report.pk)
            if current.status == SpendingReport.Status.RUNNING:
                _fail(current, reason)
        return current


def _report_path(report, name):
    from ..models import _report_upload_to

    return _report_upload_to(report, name)


def _fail(report, reason):
    report.status = SpendingReport.Status.FAILED
    report.error = str(reason)[:2000]
    report.stage = _("mislukt")
    report.finished_at = timezone.now()
    report.save(update_fields=["status", "error", "stage", "finished_at"])


def reports_reap_stale(*, now=None) -> int:
    """Never stuck: a build "running" longer than :func:`stale_after` lost its worker. Queue it
    again while it has attempts left, else fail it with a reason. Run by beat and whenever a
    report page polls. Returns how many were handled."""
    now = now or timezone.now()
    handled = 0
    stale = SpendingReport.objects.filter(
        status=SpendingReport.Status.RUNNING, started_at__lt=now - stale_after()
    )
    for report_id in list(stale.values_list("pk", flat=True)):
        with transaction.atomic():
            report = SpendingReport.objects.select_for_update().get(pk=report_id)
            if (
                report.status != SpendingReport.Status.RUNNING
                or report.started_at >= now - stale_after()
            ):
                continue
            if report.attempts >= MAX_ATTEMPTS:
                _fail(
                    report,
                    _(
                        "De verwerking is %(n)s keer afgebroken (bijvoorbeeld doordat de server herstartte)."
                    )
                    % {"n": report.attempts},
                )
            else:
                report.status = SpendingReport.Status.QUEUED
                report.stage = _("opnieuw in de wachtrij na een afgebroken verwerking")
                report.save(update_fields=["status", "stage"])
                _enqueue(report)
            handled += 1
    return handled


def report_generate(
    *, municipality, stream, year: int | None, user=None, workers: int | None = None
) -> SpendingReport:
    """Request and build in this process (the command line and the demo): the same version
    rules as :func:`report_request`, without waiting for a worker."""
    report, _created = report_request(
        municipality=municipality, stream=stream, year=year, user=user, enqueue=False
    )
    if report.status != SpendingReport.Status.DONE:
        report = report_build(report_id=report.pk, workers=workers)
    return report


def report_file(report: SpendingReport, kind: str) -> tuple[bytes, str]:
    """The stored bytes of ``kind`` ("pdf"/"xlsx") of a finished report, checked against the
    stored SHA-256 (an altered file is refused, never served)."""
    if report.status != SpendingReport.Status.DONE:
        raise ApplicationError(_("Deze rapportage is nog niet klaar."))
    stored = getattr(report, kind)
    with stored.open("rb") as f:
        payload = f.read()
    if _sha256(payload) != getattr(report, f"{kind}_sha256"):
        raise ApplicationError(
            _("Het opgeslagen bestand komt niet overeen met zijn controlegetal.")
        )
    return payload, stored.name.rsplit("/", 1)[-1]


# --------------------------------------------------------------------------------------------
# 5. Period locking (product.md, capability 12)
# --------------------------------------------------------------------------------------------


def report_finalise(*, report: SpendingReport, user) -> PeriodLock:
    """An accountant marks a year's report final: that year's lines of the stream are locked
    (funding.locks refuses changes and imports over them) until a policy officer reopens it.
    Only a finished year report whose data are still current can be made final."""
    if report.year is None:
        raise ApplicationError(_("Alleen een jaarrapportage kan definitief worden gemaakt."))
    if report.status != SpendingReport.Status.DONE:
        raise ApplicationError(_("Deze rapportage is nog niet klaar."))
    data = collect_report_data(
        municipality=report.municipality, stream=report.stream, year=report.year
    )
    if data_sha256(data) != report.data_sha256:
        raise ApplicationError(
            _(
                "De gegevens zijn gewijzigd sinds deze versie; vraag eerst een nieuwe rapportage aan."
            )
        )
    with transaction.atomic():
        if PeriodLock.objects.filter(
            municipality=report.municipality,
            stream=report.stream,
            year=report.year,
            reopened_at__isnull=True,
        ).exists():
            raise ApplicationError(_("Dit jaar is al afgesloten."))
        lock = PeriodLock.objects.create(
            municipality=report.municipality, stream=report.stream, year=report.year, locked_by=user
        )
        report.finalised_by = user
        report.finalised_at = timezone.now()
        report.save(update_fields=["finalised_by", "finalised_at"])
        audit_log(
            actor=user,
            action="period.lock",
            obj=lock,
            changes={"report": [None, str(report)], "data_sha256": [None, report.data_sha256]},
        )
    return lock


def period_reopen(*, lock: PeriodLock, user, reason: str) -> PeriodLock:
    """A policy officer reopens a locked year, with a reason (audited). The next report of that
    year is a new version that lists the reopening."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Geef een reden voor het heropenen."))
    with transaction.atomic():
        lock = PeriodLock.objects.select_for_update().get(pk=lock.pk)
        if lock.reopened_at:
            raise ApplicationError(_("Deze periode is al heropend."))
        changes = {"reopened_at": [None, timezone.now()], "reopened_by": [None, str(user)]}
        lock.reopened_at = changes["reopened_at"][1]
        lock.reopened_by = user
        lock.reopen_reason = reason
        lock.save(update_fields=["reopened_at", "reopened_by", "reopen_reason"])
        audit_log(actor=user, action="period.reopen", obj=lock, changes=changes, reason=reason)
    return lock
