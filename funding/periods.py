"""Budgets per calendar year: the one rule every per-period figure uses (issue 10, §1).

A grant runs for a window (its own, or its stream's when the grant has none). Its budget for
calendar year T is ``amount x (days of the window inside T) / (days of the window)``, rounded to
the cent (half up). Two consecutive 4-year GOAB grants therefore never count in the same year,
and an NPO-GEM grant of 4 years and 1 month counts 5 months in its first year and 7 in its last.

Carry-over is money of an earlier grant: it is never part of a year's budget (it was counted in
the source grant's years already).

A grant without a window end (own budget, ``EIGEN``) cannot be prorated: it counts with its whole
amount in each year in which it has expenditure lines or planned funding (activities funded by
its stream that run in that year), and ``open`` tells the page to say so.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .models import Expenditure, FundingLine, Grant

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def window_days_in_year(start: dt.date, end: dt.date, year: int) -> int:
    """Days of the inclusive window ``start .. end`` that fall in calendar ``year`` (0 if none)."""
    first = max(start, dt.date(year, 1, 1))
    last = min(end, dt.date(year, 12, 31))
    return max(0, (last - first).days + 1)


def prorated_amount(amount: Decimal, start: dt.date, end: dt.date, year: int) -> Decimal:
    """A grant's budget for calendar ``year`` in euro, to the cent (ROUND_HALF_UP):
    ``amount x days of start..end inside year / days of start..end``.

    ``amount`` in euro (Decimal); ``start``/``end`` the inclusive spending window. Raises
    ValueError when the window ends before it starts. Source: issue 10 §1, domain.md (grants
    are amounts for a spending window)."""
    if end < start:
        raise ValueError(f"window ends before it starts: {start} .. {end}")
    total = (end - start).days + 1
    inside = window_days_in_year(start, end, year)
    if not inside:
        return ZERO
    return (Decimal(amount) * inside / total).quantize(CENT, rounding=ROUND_HALF_UP)


def last_year_budget(amount: Decimal, start: dt.date | None, end: dt.date | None) -> Decimal:
    """The budget of a grant for the last calendar year of its window (euro): the prorated
    amount for ``end.year``; a window inside one year gives the whole amount. Without a window
    end the whole amount (nothing to prorate). Used by the carry-over cap (checks.md F8)."""
    if not end:
        return Decimal(amount)
    return prorated_amount(amount, start or end, end, end.year)


@dataclass(frozen=True)
class Budget:
    """One municipality's budget of one stream for one year: ``amount`` in euro; ``open`` when
    it includes a grant without a window end (counted whole in the years it is in use)."""

    amount: Decimal
    open: bool = False


def budgets_for_year(*, municipality_ids, year: int, stream_codes=None) -> dict:
    """``{(municipality_id, stream_code): Budget}`` for calendar ``year``, over all grants of
    the given municipalities (and streams, if given). One query for the grants, plus two grouped
    queries only when a grant has no window end; the number of municipalities does not matter.
    Streams without a budget in ``year`` are absent."""
    grants = Grant.objects.filter(municipality_id__in=list(municipality_ids))
    if stream_codes is not None:
        grants = grants.filter(stream__code__in=list(stream_codes))
    rows = list(
        grants.values_list(
            "pk",
            "municipality_id",
            "stream_id",
            "stream__code",
            "amount",
            "window_start",
            "window_end",
            "stream__window_start",
            "stream__window_end",
        )
    )
    return budgets_from_rows(rows, year)


def budgets_from_rows(rows, year: int) -> dict:
    """:func:`budgets_for_year` from grants already read: ``rows`` are tuples ``(grant pk,
    municipality id, stream id, stream code, amount, window_start, window_end, stream
    window_start, stream window_end)`` (dates or None, amount in euro). No query, plus the two
    grouped ones of open-ended grants when a grant has no window end. Returns
    ``{(municipality_id, stream_code): Budget}``."""
    totals = defaultdict(lambda: ZERO)
    open_keys = set()
    open_grants = []
    for pk, mid, stream_id, code, amount, start, end, s_start, s_end in rows:
        start, end = start or s_start, end or s_end
        if end is None:
            if start is None or start.year <= year:
                open_grants.append((pk, mid, stream_id, code, amount))
            continue
        budget = prorated_amount(amount, start or end, end, year)
        if budget:
            totals[(mid, code)] += budget
    if open_grants:
        in_use = _open_grants_in_use(open_grants, year)
        for pk, mid, _stream_id, code, amount in open_grants:
            if pk in in_use:
                totals[(mid, code)] += amount
                open_keys.add((mid, code))
    return {key: Budget(value, key in open_keys) for key, value in totals.items()}


def _open_grants_in_use(open_grants, year: int) -> set:
    """Ids of the open-ended grants with lines in ``year`` or planned funding of their stream on
    an activity of their municipality running in ``year``. Two grouped queries."""
    ids = [g[0] for g in open_grants]
    used = set(
        # a date range (the index on the line date applies), and no default ordering in the
        # DISTINCT (it made the DISTINCT one row per line)
        Expenditure.objects.filter(
            grant_id__in=ids, date__gte=dt.date(year, 1, 1), date__lte=dt.date(year, 12, 31)
        )
        .order_by()
        .values_list("grant_id", flat=True)
        .distinct()
    )
    planned = set(
        FundingLine.objects.filter(
            activity__municipality_id__in={g[1] for g in open_grants},
            stream_id__in={g[2] for g in open_grants},
            activity__start__lte=dt.date(year, 12, 31),
            activity__end__gte=dt.date(year, 1, 1),
        )
        .values_list("activity__municipality_id", "stream_id")
        .distinct()
    )
    used |= {pk for pk, mid, stream_id, _c, _a in open_grants if (mid, stream_id) in planned}
    return used
