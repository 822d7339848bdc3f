"""The data of a spending report (step 1 and 2 of funding.reports): everything a report is
built from as plain values, and its SHA-256 identity."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q

from ..models import (
    Expenditure,
    Finding,
    FundingLine,
    FundingStream,
    Grant,
    PeriodLock,
)

logger = logging.getLogger(__name__)

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
            "id",
            "reference",
            "window_start",
            "window_end",
            "amount",
            "carry_over",
            "carried_from__reference",
        )
    )
    grant_ids = [g["id"] for g in grants]

    lines_qs = Expenditure.objects.filter(municipality=municipality, grant_id__in=grant_ids)
    if end:
        lines_qs = lines_qs.filter(date__lte=end)
    lines = list(lines_qs.order_by("date", "booking_id").values(*LINE_FIELDS))

    if not year:
        starts = [g["window_start"] for g in grants if g["window_start"]] + [
            ln["date"] for ln in lines[:1]
        ]
        ends = [g["window_end"] for g in grants if g["window_end"]] + [
            ln["date"] for ln in lines[-1:]
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


def _json_default(value):
    if isinstance(value, (Decimal, date)):  # a datetime is a date
        return _canonical(value)
    raise TypeError(f"{type(value).__name__} is not part of a report's data")


def _grant_identity(grant: dict) -> dict:
    """A grant's values for the hash. The source of its carry-over counts only when there is
    one and something is carried over, so the reports of grants without it keep the hash they
    had before the source was collected (no new version for unchanged data)."""
    return {
        k: v
        for k, v in grant.items()
        if k != "id" and (k != "carried_from__reference" or (v and grant["carry_over"]))
    }


def data_sha256(data: ReportData) -> str:
    """SHA-256 of a canonical serialisation (sorted-key JSON, amounts with two decimals, ISO
    dates) of every value the report is built from. Database ids are left out, except as the
    stable order they already give; natural keys (references, booking ids, codes) identify rows."""
    payload = {
        "municipality": data.municipality.code,
        "stream": data.stream.code,
        "year": data.year,
        "grants": [_grant_identity(g) for g in data.grants],
        "lines": [
            {k: v for k, v in ln.items() if not k.endswith("id") or k == "booking_id"}
            for ln in data.lines
        ],
        "funding_lines": [
            {k: v for k, v in f.items() if k != "activity_id"} for f in data.funding_lines
        ],
        "findings": [{k: v for k, v in f.items() if k != "id"} for f in data.findings],
        "locks": [{k: v for k, v in lk.items() if k != "id"} for lk in data.locks],
    }
    # ``default`` gives the text of _canonical for the values JSON has no type for, inside the C
    # encoder: the same text as ``json.dumps(_canonical(payload))`` without first copying every
    # line into a new dict (half the time of the hash at 38,601 lines; issue 14).
    text = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
