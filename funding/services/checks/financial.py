"""The financial rules of checks.md (F1-F8): grouped queries, joins and ``Exists`` over the
municipality's expenditure lines and grants."""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear, Mod
from django.utils.translation import gettext as _

from portal.formatting import format_number

from ...models import Expenditure, FundingStream, Grant
from ...periods import last_year_budget
from .base import BOOKING_FIELDS, SEVERITY, Derived, _booking, _booking_data, _money

# --- financial rules ---------------------------------------------------------------------------


def _lines(municipality):
    return Expenditure.objects.filter(municipality=municipality)


def _as_written(group, field) -> str:
    """The values of ``field`` (``invoice_number``, ``supplier``) as the finance system wrote
    them, not the comparison key (issue 11: ``SB/2023/77``, not ``SB202377``); the spellings
    of one group joined with " / "."""
    return " / ".join(sorted({row[field] for row in group if row[field]}))


def rule_f1(municipality) -> list[Derived]:
    """Same supplier, same non-empty invoice number, same amount: one finding per group."""
    lines = _lines(municipality)
    twin = lines.filter(
        supplier_key=OuterRef("supplier_key"),
        invoice_key=OuterRef("invoice_key"),
        amount=OuterRef("amount"),
    ).exclude(pk=OuterRef("pk"))
    rows = (
        lines.exclude(invoice_key="")
        .filter(Exists(twin))
        .values(*BOOKING_FIELDS, "grant__stream_id", "school_id", "invoice_number", "supplier")
    )
    groups = defaultdict(list)
    for row in rows:
        groups[(row["supplier_key"], row["invoice_key"], row["amount"])].append(row)
    found = []
    for (_supplier, _invoice, amount), group in groups.items():
        found.append(
            Derived(
                "F1",
                SEVERITY["F1"],
                sorted(map(_booking, group)),
                _(
                    "Dubbele boeking: %(n)d regels van dezelfde leverancier met factuurnummer %(invoice)s en bedrag %(amount)s."
                )
                % {
                    "n": len(group),
                    "invoice": _as_written(group, "invoice_number"),
                    "amount": _money(amount),
                },
                data=sorted((_booking_data(r) for r in group), key=lambda d: d["booking_id"]),
                amount=amount * (len(group) - 1),
                stream_ids={r["grant__stream_id"] for r in group},
            )
        )
    return found


def rule_f2(municipality) -> list[Derived]:
    """Supplier + invoice charged to two or more streams, not merely one F1 group."""
    lines = _lines(municipality).exclude(invoice_key="")
    keys = (
        lines.values("supplier_key", "invoice_key")
        .annotate(
            streams=Count("grant__stream", distinct=True), amounts=Count("amount", distinct=True)
        )
        .filter(streams__gte=2, amounts__gte=2)
    )
    # Set-wise: the grouped query once, then the lines whose supplier and invoice are among
    # its keys (two hashed semi-joins; the rare line matching a supplier of one split invoice
    # and the invoice number of another is dropped in Python). The correlated EXISTS this
    # replaces ran the grouping per line and spent most of its time in PostgreSQL's JIT.
    pairs = set(keys.values_list("supplier_key", "invoice_key"))
    if not pairs:
        return []
    split = lines.filter(
        supplier_key__in=sorted({s for s, _i in pairs}),
        invoice_key__in=sorted({i for _s, i in pairs}),
    )
    groups = defaultdict(list)
    for row in split.values(*BOOKING_FIELDS, "grant__stream_id", "invoice_number", "supplier"):
        key = (row["supplier_key"], row["invoice_key"])
        if key in pairs:
            groups[key].append(row)
    found = []
    for group in groups.values():
        streams = sorted({r["grant__stream__code"] for r in group})
        total = sum((r["amount"] for r in group), Decimal("0.00"))
        found.append(
            Derived(
                "F2",
                SEVERITY["F2"],
                sorted(map(_booking, group)),
                _(
                    "Gesplitste factuur %(invoice)s: %(n)d regels over de stromen %(streams)s, samen %(amount)s."
                )
                % {
                    "invoice": _as_written(group, "invoice_number"),
                    "n": len(group),
                    "streams": ", ".join(streams),
                    "amount": _money(total),
                },
                data=sorted((_booking_data(r) for r in group), key=lambda d: d["booking_id"]),
                amount=total,
                stream_ids={r["grant__stream_id"] for r in group},
            )
        )
    return found


def _per_line(rule, rows, message):
    return [
        Derived(
            rule,
            SEVERITY[rule],
            [_booking(row)],
            message(row),
            data=_booking_data(row),
            amount=row["amount"],
            school_id=row.get("school_id"),
            stream_ids={row["grant__stream_id"]},
        )
        for row in rows
    ]


def _with_window(lines):
    return lines.annotate(
        w_start=Coalesce("grant__window_start", "grant__stream__window_start"),
        w_end=Coalesce("grant__window_end", "grant__stream__window_end"),
    )


def rule_f3(municipality) -> list[Derived]:
    """A line dated outside its grant's spending window (the stream's when the grant has none)."""
    from portal.formatting import format_date

    rows = (
        _with_window(_lines(municipality))
        .filter(
            Q(w_start__isnull=False, date__lt=F("w_start"))
            | Q(w_end__isnull=False, date__gt=F("w_end"))
        )
        .values(*BOOKING_FIELDS, "grant__stream_id", "school_id", "w_start", "w_end")
    )
    return _per_line(
        "F3",
        rows,
        lambda r: (
            _(
                "Boeking %(booking)s van %(date)s valt buiten de bestedingstermijn van %(grant)s (%(start)s t/m %(end)s)."
            )
            % {
                "booking": r["booking_id"],
                "date": format_date(r["date"]),
                "grant": r["grant__reference"],
                "start": format_date(r["w_start"]) or "…",
                "end": format_date(r["w_end"]) or "…",
            }
        ),
    )


def rule_f4(municipality) -> list[Derived]:
    """A line naming a school whose sector the grant's stream does not allow."""
    ineligible = Q(pk__in=[])
    for stream in FundingStream.objects.exclude(eligible_sectors=[]):
        ineligible |= Q(grant__stream_id=stream.pk) & ~Q(school__sector__in=stream.eligible_sectors)
    rows = (
        _lines(municipality)
        .filter(school__isnull=False)
        .filter(ineligible)
        .values(*BOOKING_FIELDS, "grant__stream_id", "school_id")
    )
    return _per_line(
        "F4",
        rows,
        lambda r: (
            _(
                "Boeking %(booking)s is voor school %(school)s (sector %(sector)s), die niet onder %(stream)s valt."
            )
            % {
                "booking": r["booking_id"],
                "school": r["school__code"],
                "sector": r["school__sector"],
                "stream": r["grant__stream__code"],
            }
        ),
    )


def rule_f5(municipality) -> list[Derived]:
    """All lines of a grant together exceed its amount plus carry-over."""
    grants = (
        Grant.objects.filter(municipality=municipality)
        .annotate(spent=Sum("expenditures__amount"))
        .filter(spent__gt=F("amount") + F("carry_over"))
        .values(
            "reference",
            "amount",
            "carry_over",
            "window_start",
            "window_end",
            "spent",
            "stream_id",
            "stream__code",
        )
    )
    found = []
    for g in grants:
        total = g["amount"] + g["carry_over"]
        found.append(
            Derived(
                "F5",
                SEVERITY["F5"],
                [f"grant:{g['reference']}"],
                _(
                    "Beschikking %(grant)s is overschreden: besteed %(spent)s, beschikbaar %(total)s."
                )
                % {"grant": g["reference"], "spent": _money(g["spent"]), "total": _money(total)},
                data=g,
                amount=g["spent"] - total,
                stream_ids={g["stream_id"]},
            )
        )
    return found


def _last_day_of_month(year, month):
    """The last day of the month as a database expression (leap years included)."""
    leap = Q(**{f"{year}_mod4": 0}) & (~Q(**{f"{year}_mod100": 0}) | Q(**{f"{year}_mod400": 0}))
    return Case(
        When(**{f"{month}__in": [4, 6, 9, 11]}, then=Value(30)),
        When(Q(**{month: 2}) & leap, then=Value(29)),
        When(**{month: 2}, then=Value(28)),
        default=Value(31),
        output_field=IntegerField(),
    )


def rule_f6(municipality) -> list[Derived]:
    """date + depreciation_months runs past the window end and nobody signed the line off.

    Month arithmetic in SQL: a date plus N months is (year*12 + month + N, day), the day clipped
    to the month's last day; it lies past the end when its month number is later, or it is the
    end's month and the day is later than the end's day, which can only happen when the window
    does not end on a month's last day.
    """
    rows = (
        _with_window(_lines(municipality))
        .filter(depreciation_months__gt=0, signed_off_at__isnull=True, w_end__isnull=False)
        .annotate(
            line_months=ExtractYear("date") * 12 + ExtractMonth("date") + F("depreciation_months"),
            end_y=ExtractYear("w_end"),
            end_mon=ExtractMonth("w_end"),
            end_d=ExtractDay("w_end"),
            line_d=ExtractDay("date"),
        )
        .annotate(
            end_months=F("end_y") * 12 + F("end_mon"),
            end_y_mod4=Mod("end_y", 4),
            end_y_mod100=Mod("end_y", 100),
            end_y_mod400=Mod("end_y", 400),
        )
        .annotate(end_last=_last_day_of_month("end_y", "end_mon"))
        .filter(
            Q(line_months__gt=F("end_months"))
            | Q(line_months=F("end_months"), line_d__gt=F("end_d"), end_d__lt=F("end_last"))
        )
        .values(*BOOKING_FIELDS, "grant__stream_id", "school_id", "w_end")
    )
    from portal.formatting import format_date

    return _per_line(
        "F6",
        rows,
        lambda r: (
            _(
                "Boeking %(booking)s wordt in %(months)d maanden afgeschreven, tot na het einde van de termijn van %(grant)s "
                "(%(end)s); aftekening door de accountant ontbreekt."
            )
            % {
                "booking": r["booking_id"],
                "months": r["depreciation_months"],
                "grant": r["grant__reference"],
                "end": format_date(r["w_end"]),
            }
        ),
    )


def rule_f7(municipality) -> list[Derived]:
    """New or temporary building charged to a stream that allows existing rooms only."""
    rows = (
        _lines(municipality)
        .filter(new_construction=True, grant__stream__new_construction_allowed=False)
        .values(*BOOKING_FIELDS, "grant__stream_id", "school_id")
    )
    return _per_line(
        "F7",
        rows,
        lambda r: (
            _(
                "Boeking %(booking)s betreft nieuwbouw of tijdelijke huisvesting; %(stream)s staat alleen huisvesting in bestaande ruimten toe."
            )
            % {"booking": r["booking_id"], "stream": r["grant__stream__code"]}
        ),
    )


def rule_f8(municipality) -> list[Derived]:
    """F8 carry-over: a grant with carry-over > 0 whose source (a) is empty or no grant of this
    municipality, (b) is of another stream, (c) left less unspent than is carried over (its
    amount + its own carry-over - its lines), or (d) the carry-over exceeds the receiving
    stream's cap: ``carry_over_cap_percent`` of the source's budget for the last calendar year
    of its window (funding.periods; a grant of one year alone: its whole amount). One finding
    per receiving grant; ``amount`` is the largest excess (all of it for (a) and (b)). Where
    several grants carry over from one source, (c) and (d) judge their sum: each receiving grant
    gets the finding, its excess at most its own carry-over. One query with subqueries for the
    source's lines and the source's receivers."""
    source_spent = (
        Expenditure.objects.filter(grant=OuterRef("carried_from"))
        .values("grant")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    # Every grant that carries over from the same source: together they may not exceed what
    # the source left unspent or the cap (two receivers of 600.000 from 1.000.000 unspent).
    source_carried = (
        Grant.objects.filter(carried_from=OuterRef("carried_from"), carry_over__gt=0)
        .values("carried_from")
        .annotate(s=Sum("carry_over"))
        .values("s")
    )
    rows = (
        Grant.objects.filter(municipality=municipality, carry_over__gt=0)
        .annotate(source_spent=Subquery(source_spent), source_carried=Subquery(source_carried))
        .values(
            "reference",
            "carry_over",
            "stream_id",
            "stream__code",
            "stream__carry_over_cap_percent",
            "carried_from__reference",
            "carried_from__municipality_id",
            "carried_from__stream_id",
            "carried_from__stream__code",
            "carried_from__amount",
            "carried_from__carry_over",
            "carried_from__window_start",
            "carried_from__window_end",
            "carried_from__stream__window_start",
            "carried_from__stream__window_end",
            "source_spent",
            "source_carried",
        )
    )
    found = []
    for g in rows:
        problems, excess = _carry_over_problems(g, municipality)
        if not problems:
            continue
        found.append(
            Derived(
                "F8",
                SEVERITY["F8"],
                [f"grant:{g['reference']}"],
                _("Overheveling van %(amount)s naar %(grant)s: %(problems)s.")
                % {
                    "amount": _money(g["carry_over"]),
                    "grant": g["reference"],
                    "problems": "; ".join(problems),
                },
                data=g,
                amount=excess,
                stream_ids={g["stream_id"]} | {g["carried_from__stream_id"]} - {None},
            )
        )
    return found


def _carry_over_problems(g, municipality) -> tuple[list[str], Decimal]:
    """The F8 conditions ``g`` (a row of rule_f8) violates, as Dutch phrases, and the largest
    excess in euro."""
    carry = g["carry_over"]
    source = g["carried_from__reference"]
    if not source or g["carried_from__municipality_id"] != municipality.pk:
        return [_("er is geen beschikking van deze gemeente als bron opgegeven")], carry
    if g["carried_from__stream_id"] != g["stream_id"]:
        return [
            _("de bron %(source)s is van een andere stroom (%(other)s, niet %(stream)s)")
            % {
                "source": source,
                "other": g["carried_from__stream__code"],
                "stream": g["stream__code"],
            }
        ], carry
    problems, excess = [], Decimal("0.00")
    total = max(g["source_carried"] or carry, carry)
    together = ""
    if total != carry:
        together = _(" (samen met de andere overhevelingen uit %(source)s: %(total)s)") % {
            "source": source,
            "total": _money(total),
        }
    unspent = g["carried_from__amount"] + g["carried_from__carry_over"] - (g["source_spent"] or 0)
    if total > unspent:
        over = min(total - unspent, carry)
        problems.append(
            _(
                "dat is meer dan %(source)s onbesteed liet (%(unspent)s)%(together)s; %(excess)s te veel"
            )
            % {
                "source": source,
                "unspent": _money(unspent),
                "together": together,
                "excess": _money(over),
            }
        )
        excess = max(excess, over)
    percent = g["stream__carry_over_cap_percent"]
    if percent is not None:
        start = g["carried_from__window_start"] or g["carried_from__stream__window_start"]
        end = g["carried_from__window_end"] or g["carried_from__stream__window_end"]
        base = last_year_budget(g["carried_from__amount"], start, end)
        cap = (base * percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if total > cap:
            over = min(total - cap, carry)
            problems.append(
                _(
                    "%(stream)s staat ten hoogste %(percent)s%% van het budget %(year)s van %(source)s over "
                    "(%(base)s), dus %(cap)s%(together)s; %(excess)s te veel"
                )
                % {
                    "stream": g["stream__code"],
                    "percent": format_number(percent, 0 if percent == percent.to_integral() else 2),
                    "year": end.year if end else _("(zonder einddatum)"),
                    "source": source,
                    "base": _money(base),
                    "cap": _money(cap),
                    "together": together,
                    "excess": _money(over),
                }
            )
            excess = max(excess, over)
    return problems, excess
