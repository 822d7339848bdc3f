"""The content of a spending report (step 3 of funding.reports): :func:`compute_report` turns
the data into a :class:`ReportContent` whose every total is the sum of its lines."""

from __future__ import annotations

import logging
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal.domain import Sector
from portal.formatting import format_date

from ..models import (
    Expenditure,
    Finding,
)
from .data import ReportData, collect_report_data, data_sha256

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


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
    # The reference of the grant the carry-over came from, when that grant is in this report too:
    # its money is counted there already (issue 10 §1: carry-over is not counted again).
    counted_in: str | None = None

    @property
    def total(self):
        """The money this grant adds to the report: its amount, plus its carry-over unless that
        came from another grant of the same report."""
        return self.amount + (ZERO if self.counted_in else self.carry_over)


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
        return sum((ln.amount for ln in self.lines), ZERO)


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
        return sum((ln.amount for ln in self.signoffs), ZERO)

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
    """``januari 2023`` (Django's month name and year format in the active language)."""
    return date_format(day, "YEAR_MONTH_FORMAT")


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
    # Labels as plain strings, translated once per report rather than once per line (a lazy
    # label's gettext per line was a third of compute_report at 38,601 lines; issue 14).
    category_labels = {k: str(v) for k, v in Expenditure.CostCategory.choices}
    sector_labels = {k: str(v) for k, v in Sector.choices}
    start, end = data.period_start, data.period_end

    included = {g["reference"] for g in data.grants}
    grants = [
        GrantRow(
            g["reference"],
            g["window_start"],
            g["window_end"],
            g["amount"],
            g["carry_over"],
            counted_in=source if (source := g.get("carried_from__reference")) in included else None,
        )
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
    spending = sum((ln.amount for ln in lines), ZERO)

    def grouped(key):
        amounts, counts = OrderedDict(), defaultdict(int)
        for line in lines:
            label = key(line)
            amounts[label] = amounts.get(label, ZERO) + line.amount
            counts[label] += 1
        return _shares(amounts, spending, counts)

    by_category = grouped(lambda ln: ln.cost_category)
    no_activity, no_school = _("(geen activiteit)"), _("(geen school genoemd)")
    by_activity = grouped(lambda ln: ln.activity or no_activity)
    by_school = grouped(lambda ln: ln.school or no_school)
    by_sector = grouped(lambda ln: sector_labels.get(ln.sector) or ln.sector or no_school)

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
        signoffs=[ln for ln in lines if ln.signed_off_by],
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
            "Totaal toegekend: de bedragen van de opgenomen beschikkingen plus hun overheveling; overheveling uit een beschikking die zelf in deze rapportage staat, telt niet twee keer."
        ),
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
