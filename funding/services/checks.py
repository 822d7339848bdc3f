"""The checks of checks.md (F1-F7, P1, G1): one implementation for the browser's button, the
nightly beat job and ``manage.py check_overlaps``.

Every rule is a grouped query, a join or an ``Exists`` in the database; Python only turns the
rows the database returns into findings. The programme rules work on ``ActivityReach`` (activity
x school x theme with the period), rebuilt for the municipality at the start of a run, so the
pair search of P1 is a self-join and the gap search of G1 an anti-join.

A run then reconciles the derived findings with the stored ones by ``key`` (rule + sorted
subjects): new ones are created; a justified or resolved finding keeps its status while its
``fingerprint`` (a hash of the subjects' data) is unchanged and reopens when it changed; an open
finding that is no longer derived is deleted, a reviewed one is kept but marked inactive.
"""

import hashlib
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.db import connection, transaction
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
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope

from portal.audit import audit_log
from portal.domain import Severity, Theme
from portal.exceptions import ApplicationError
from portal.formatting import format_number
from portal.jobs import enqueue
from portal.models import Municipality
from schools.models import Need, Scan, School, school_year_bounds

from ..models import (
    Activity,
    ActivityReach,
    CheckRun,
    Expenditure,
    Finding,
    FundingLine,
    FundingStream,
    Grant,
)
from ..periods import last_year_budget

logger = logging.getLogger(__name__)

RULES = ["F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "P1", "G1"]
SEVERITY = {
    "F1": Finding.Severity.ERROR,
    "F2": Finding.Severity.WARNING,
    "F3": Finding.Severity.ERROR,
    "F4": Finding.Severity.ERROR,
    "F5": Finding.Severity.ERROR,
    "F6": Finding.Severity.WARNING,
    "F7": Finding.Severity.ERROR,
    "F8": Finding.Severity.ERROR,
    "G1": Finding.Severity.INFO,
}
NEED_SEVERITIES = ["moderate", "severe"]

# The data of a booking that a finding on it depends on: when any of it changes, a justified
# finding reopens.
BOOKING_FIELDS = [
    "booking_id",
    "grant__reference",
    "grant__stream__code",
    "date",
    "amount",
    "supplier_key",
    "invoice_key",
    "school__code",
    "school__sector",
    "depreciation_months",
    "new_construction",
    "signed_off_at",
]


@dataclass
class Derived:
    """A finding as a rule derives it, before it meets the stored ones."""

    rule: str
    severity: str
    subjects: list
    message: str
    data: object  # what the fingerprint hashes
    amount: Decimal | None = None
    school_id: int | None = None
    theme: str = ""
    stream_ids: set = field(default_factory=set)

    @cached_property
    def key(self):
        return finding_key(self.rule, self.subjects)

    @cached_property
    def fingerprint(self):
        payload = json.dumps([self.rule, self.data], sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()


def finding_key(rule: str, subjects) -> str:
    return hashlib.sha256("|".join([rule, *sorted(subjects)]).encode()).hexdigest()


@dataclass
class CheckResult:
    municipality: object
    findings: int = 0
    created: int = 0
    reopened: int = 0
    removed: int = 0
    per_rule: dict = field(default_factory=dict)


def _booking(row):
    return f"booking:{row['booking_id']}"


def _booking_data(row):
    return {name: row[name] for name in BOOKING_FIELDS}


def _money(value):
    from portal.formatting import format_money

    return format_money(value)


# --- financial rules ---------------------------------------------------------------------------


def _lines(municipality):
    return Expenditure.objects.filter(municipality=municipality)


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
        .values(*BOOKING_FIELDS, "grant__stream_id", "school_id")
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
                % {"n": len(group), "invoice": group[0]["invoice_key"], "amount": _money(amount)},
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
    split = lines.filter(
        Exists(
            keys.filter(supplier_key=OuterRef("supplier_key"), invoice_key=OuterRef("invoice_key"))
        )
    )
    groups = defaultdict(list)
    for row in split.values(*BOOKING_FIELDS, "grant__stream_id"):
        groups[(row["supplier_key"], row["invoice_key"])].append(row)
    found = []
    for (_supplier, invoice), group in groups.items():
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
                    "invoice": invoice,
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
    per receiving grant; ``amount`` is the largest excess (all of it for (a) and (b)).
    One query with a subquery for the source's lines."""
    source_spent = (
        Expenditure.objects.filter(grant=OuterRef("carried_from"))
        .values("grant")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    rows = (
        Grant.objects.filter(municipality=municipality, carry_over__gt=0)
        .annotate(source_spent=Subquery(source_spent))
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
    unspent = g["carried_from__amount"] + g["carried_from__carry_over"] - (g["source_spent"] or 0)
    if carry > unspent:
        problems.append(
            _("dat is meer dan %(source)s onbesteed liet (%(unspent)s); %(excess)s te veel")
            % {"source": source, "unspent": _money(unspent), "excess": _money(carry - unspent)}
        )
        excess = max(excess, carry - unspent)
    percent = g["stream__carry_over_cap_percent"]
    if percent is not None:
        start = g["carried_from__window_start"] or g["carried_from__stream__window_start"]
        end = g["carried_from__window_end"] or g["carried_from__stream__window_end"]
        base = last_year_budget(g["carried_from__amount"], start, end)
        cap = (base * percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if carry > cap:
            problems.append(
                _(
                    "%(stream)s staat ten hoogste %(percent)s%% van het budget %(year)s van %(source)s over "
                    "(%(base)s), dus %(cap)s; %(excess)s te veel"
                )
                % {
                    "stream": g["stream__code"],
                    "percent": format_number(percent, 0 if percent == percent.to_integral() else 2),
                    "year": end.year if end else _("(zonder einddatum)"),
                    "source": source,
                    "base": _money(base),
                    "cap": _money(cap),
                    "excess": _money(carry - cap),
                }
            )
            excess = max(excess, carry - cap)
    return problems, excess


# --- programme rules ---------------------------------------------------------------------------


def reach_rebuild(municipality) -> int:
    """Rebuild the ActivityReach rows of ``municipality`` (checks.md, "An activity reaches")."""
    activities = list(
        Activity.objects.filter(municipality=municipality).values(
            "id", "owner_school_id", "themes", "sectors", "start", "end"
        )
    )
    listed = defaultdict(list)
    through = Activity.schools.through
    for activity_id, school_id, sector in through.objects.filter(
        activity__municipality=municipality
    ).values_list("activity_id", "school_id", "school__sector"):
        listed[activity_id].append((school_id, sector))
    sector_of = dict(School.objects.filter(municipality=municipality).values_list("id", "sector"))
    present = set(sector_of.values())
    rows = []
    for a in activities:
        themes = set(a["themes"] or [])
        if a["owner_school_id"] or listed[a["id"]]:
            schools = set(listed[a["id"]])
            if a["owner_school_id"]:
                schools.add((a["owner_school_id"], sector_of.get(a["owner_school_id"], "")))
            keys = [(school_id, sector) for school_id, sector in schools]
        else:
            keys = [
                (None, sector)
                for sector in sorted(present if not a["sectors"] else present & set(a["sectors"]))
            ]
        rows.extend(
            ActivityReach(
                municipality=municipality,
                activity_id=a["id"],
                school_id=school_id,
                sector=sector,
                theme=t,
                start=a["start"],
                end=a["end"],
            )
            for school_id, sector in keys
            for t in themes
        )
    with transaction.atomic():
        ActivityReach.objects.filter(municipality=municipality)._raw_delete(connection.alias)
        ActivityReach.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


# Pairs of reach rows on the same theme and sector with overlapping periods that share a school:
# the same listed school, or a listed school in the sector an implicit reach covers, or (both
# implicit) every school of that sector. The database returns each (pair, school or sector,
# theme) once; Python only assembles the findings.
_P1_SQL = """
SELECT DISTINCT r1.activity_id, r2.activity_id, COALESCE(r1.school_id, r2.school_id), r1.sector, r1.theme
FROM {reach} r1
JOIN {reach} r2 ON r2.municipality_id = r1.municipality_id AND r2.theme = r1.theme AND r2.sector = r1.sector
     AND r2.activity_id > r1.activity_id
     AND (r1.school_id = r2.school_id OR r1.school_id IS NULL OR r2.school_id IS NULL)
     AND r1.start <= r2.{end} AND r2.start <= r1.{end}
WHERE r1.municipality_id = %s
"""


def rule_p1(municipality) -> list[Derived]:
    """Two activities reaching a common school on a common theme in overlapping periods."""
    q = connection.ops.quote_name
    sql = _P1_SQL.format(reach=q(ActivityReach._meta.db_table), end=q("end"))
    pairs = defaultdict(lambda: (set(), set(), set()))  # (school ids, whole sectors, themes)
    with connection.cursor() as cursor:
        cursor.execute(sql, [municipality.pk])
        for a1, a2, school_id, sector, theme in cursor.fetchall():
            schools_, sectors, themes_ = pairs[(a1, a2)]
            if school_id is None:
                sectors.add(sector)
            else:
                schools_.add(school_id)
            themes_.add(theme)
    if not pairs:
        return []
    ids = {a for pair in pairs for a in pair}
    activities = {
        a["id"]: a
        for a in Activity.objects.filter(pk__in=ids).values(
            "id",
            "code",
            "name",
            "owner_school__code",
            "municipality__code",
            "themes",
            "start",
            "end",
            "planned_cost",
        )
    }
    streams = defaultdict(set)
    for activity_id, stream_id, code in FundingLine.objects.filter(activity_id__in=ids).values_list(
        "activity_id", "stream_id", "stream__code"
    ):
        streams[activity_id].add((stream_id, code))
    codes, by_sector = {}, defaultdict(list)
    for pk, code, sector in School.objects.filter(municipality=municipality).values_list(
        "pk", "code", "sector"
    ):
        codes[pk] = code
        by_sector[sector].append(pk)
    missing = {pk for schools_, _s, _t in pairs.values() for pk in schools_} - set(codes)
    codes.update(School.objects.filter(pk__in=missing).values_list("pk", "code"))

    def subject(a):
        return f"activity:{a['owner_school__code'] or a['municipality__code']}/{a['code']}"

    found = []
    for (a1, a2), (school_ids, sectors, shared_themes) in pairs.items():
        first, second = activities[a1], activities[a2]
        school_ids = school_ids | {pk for sector in sectors for pk in by_sector[sector]}
        stream_codes = {c for _id, c in streams[a1] | streams[a2]}
        severity = Finding.Severity.WARNING if len(stream_codes) > 1 else Finding.Severity.INFO
        school_codes = sorted(codes[pk] for pk in school_ids)
        themes = sorted(shared_themes)
        first_school = min(school_ids, key=codes.get)
        costs = [c for c in (first["planned_cost"], second["planned_cost"]) if c is not None]
        data = [
            {k: a[k] for k in ("code", "owner_school__code", "themes", "start", "end")}
            | {"streams": sorted(c for _i, c in streams[a["id"]])}
            for a in sorted((first, second), key=subject)
        ] + [school_codes, themes]
        found.append(
            Derived(
                "P1",
                severity,
                sorted([subject(first), subject(second)]),
                _(
                    "%(first)s en %(second)s bereiken dezelfde school op hetzelfde thema in dezelfde periode "
                    "(scholen: %(schools)s; thema's: %(themes)s; stromen: %(streams)s)."
                )
                % {
                    "first": subject(first).split(":", 1)[1],
                    "second": subject(second).split(":", 1)[1],
                    "schools": ", ".join(school_codes),
                    "themes": ", ".join(themes),
                    "streams": ", ".join(sorted(stream_codes)) or "-",
                },
                data=data,
                amount=min(costs) if costs else None,
                school_id=first_school,
                theme=themes[0],
                stream_ids={i for i, _c in streams[a1] | streams[a2]},
            )
        )
    return found


def rule_g1(municipality) -> list[Derived]:
    """A moderate or severe need in a visible scan that no activity covers (school, theme, year)."""
    scans = Scan.objects.filter(municipality=municipality).visible_to_municipality()
    needs = Need.objects.filter(scan__in=scans, severity__in=NEED_SEVERITIES)
    found = []
    for school_year in needs.values_list("scan__school_year", flat=True).distinct().order_by():
        start, end = school_year_bounds(school_year)
        covering = ActivityReach.objects.filter(
            Q(school_id=OuterRef("scan__school_id"))
            | Q(
                school__isnull=True,
                municipality_id=OuterRef("scan__school__municipality_id"),
                sector=OuterRef("scan__school__sector"),
            ),
            theme=OuterRef("theme"),
            start__lte=end,
            end__gte=start,
        )
        rows = (
            needs.filter(scan__school_year=school_year)
            .exclude(Exists(covering))
            .values(
                "scan__school__code",
                "scan__school_id",
                "scan__school_year",
                "theme",
                "severity",
                "share_of_pupils",
            )
        )
        for row in rows:
            found.append(
                Derived(
                    "G1",
                    SEVERITY["G1"],
                    [f"need:{row['scan__school__code']}/{row['scan__school_year']}/{row['theme']}"],
                    _(
                        "Behoefte %(theme)s (%(severity)s) van %(school)s in %(year)s: geen activiteit bereikt deze school op dit thema in dat schooljaar."
                    )
                    % {
                        # labels, not codes: the message is read on pages and in the PDF
                        "theme": Theme(row["theme"]).label,
                        "severity": Severity(row["severity"]).label,
                        "school": row["scan__school__code"],
                        "year": row["scan__school_year"],
                    },
                    data={
                        k: row[k]
                        for k in ("scan__school__code", "scan__school_year", "theme", "severity")
                    },
                    school_id=row["scan__school_id"],
                    theme=row["theme"],
                )
            )
    return found


RULE_FUNCTIONS = {
    "F1": rule_f1,
    "F2": rule_f2,
    "F3": rule_f3,
    "F4": rule_f4,
    "F5": rule_f5,
    "F6": rule_f6,
    "F7": rule_f7,
    "F8": rule_f8,
    "P1": rule_p1,
    "G1": rule_g1,
}


# --- the run -----------------------------------------------------------------------------------


@dataclass
class _Stored:
    pk: int
    key: str
    status: str
    fingerprint: str
    active: bool


def _store(municipality, derived: list[Derived], result: CheckResult):
    """Reconcile derived findings with the stored ones (see the module docstring). Only new and
    changed findings are written, so a re-run over unchanged data is a few statements."""
    now = timezone.now()
    by_key = {d.key: d for d in derived}
    # Plain rows, not model instances: a municipality may hold tens of thousands of findings.
    # The fingerprint covers the data the message and amount are made from, so a finding with
    # the same fingerprint that is still active needs no write at all.
    stored = {
        row[1]: _Stored(*row)
        for row in Finding.objects.filter(municipality=municipality).values_list(
            "pk", "key", "status", "fingerprint", "active"
        )
    }
    fields = [
        "severity",
        "subjects",
        "school_id",
        "theme",
        "amount",
        "message",
        "fingerprint",
        "active",
        "status",
    ]
    new, changed, reopened = [], [], []
    for key, d in by_key.items():
        values = {
            "severity": d.severity,
            "subjects": d.subjects,
            "school_id": d.school_id,
            "theme": d.theme,
            "amount": d.amount,
            "message": d.message,
            "fingerprint": d.fingerprint,
            "active": True,
        }
        f = stored.get(key)
        if f is None:
            new.append(Finding(municipality=municipality, rule=d.rule, key=key, **values))
            continue
        if f.fingerprint == d.fingerprint and f.active:
            continue
        status = f.status
        if status != Finding.Status.OPEN and f.fingerprint != d.fingerprint:
            status = Finding.Status.OPEN
            reopened.append(f.pk)
        changed.append(
            Finding(
                pk=f.pk, municipality=municipality, rule=d.rule, key=key, status=status, **values
            )
        )
    gone = [f for key, f in stored.items() if key not in by_key]
    gone_open = [f.pk for f in gone if f.status == Finding.Status.OPEN]
    gone_reviewed = [f.pk for f in gone if f.status != Finding.Status.OPEN and f.active]
    Finding.objects.bulk_create(new, batch_size=2000)
    Finding.objects.bulk_update(changed, fields, batch_size=500)
    if gone_open:
        Finding.objects.filter(pk__in=gone_open).delete()
    if gone_reviewed:
        Finding.objects.filter(pk__in=gone_reviewed).update(active=False)
    Finding.objects.filter(municipality=municipality, active=True).update(last_seen=now)
    for f in Finding.objects.filter(pk__in=reopened):
        audit_log(
            actor=None,
            action="finding.reopen",
            obj=f,
            reason=_("De gegevens van de bevinding zijn gewijzigd."),
        )

    # The streams each new or changed finding involves (for the stream's spending report).
    through = Finding.streams.through
    touched = {f.key for f in new} | {f.key for f in changed}
    if touched:
        ids = dict(
            Finding.objects.filter(municipality=municipality, key__in=touched).values_list(
                "key", "pk"
            )
        )
        through.objects.filter(finding_id__in=[f.pk for f in changed]).delete()
        through.objects.bulk_create(
            [
                through(finding_id=ids[key], fundingstream_id=s)
                for key in touched
                for s in by_key[key].stream_ids
            ],
            batch_size=5000,
        )
    result.findings = len(by_key)
    result.created = len(new)
    result.reopened = len(reopened)
    result.removed = len(gone_open)


def checks_run(*, municipality, progress=None) -> CheckResult:
    """Run every rule of checks.md for ``municipality`` and store the findings.

    ``progress(percent, step)`` is called between the steps (the CheckRun row the page polls).
    The rules only read; the findings are stored in one transaction, under a lock on the
    municipality row so two runs of the same municipality do not interleave their writes.
    """
    result = CheckResult(municipality=municipality)
    steps = len(RULES) + 2

    def report(i, step):
        if progress:
            progress(int(100 * i / steps), step)

    with scope(municipality=municipality):
        report(0, _("bereik van activiteiten"))
        reach_rebuild(municipality)
        derived = []
        for i, rule in enumerate(RULES, start=1):
            report(i, _("regel %s") % rule)
            found = RULE_FUNCTIONS[rule](municipality)
            result.per_rule[rule] = len(found)
            derived.extend(found)
        report(steps - 1, _("bevindingen opslaan"))
        with transaction.atomic():
            Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
            _store(municipality, derived, result)
        report(steps, _("klaar"))
    return result


def check_run_execute(*, check_run_id) -> CheckRun | None:
    """Run a queued CheckRun (the Celery task's body). Idempotent: a finished run, delivered
    again after a worker was lost, is left alone; an interrupted one runs again."""
    run = CheckRun.objects.select_related("municipality").filter(pk=check_run_id).first()
    if run is None or run.finished:
        return run
    CheckRun.objects.filter(pk=run.pk).update(
        status=CheckRun.Status.RUNNING, started_at=timezone.now(), progress=0
    )

    def progress(percent, step):
        CheckRun.objects.filter(pk=run.pk).update(progress=percent, step=step[:100])

    try:
        result = checks_run(municipality=run.municipality, progress=progress)
    except Exception as error:
        logger.exception("check run %s failed", run.pk)
        CheckRun.objects.filter(pk=run.pk).update(
            status=CheckRun.Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    CheckRun.objects.filter(pk=run.pk).update(
        status=CheckRun.Status.DONE,
        progress=100,
        finished_at=timezone.now(),
        findings_count=result.findings,
        new_count=result.created,
        reopened_count=result.reopened,
        removed_count=result.removed,
    )
    run.refresh_from_db()
    return run


def check_run_request(*, municipality, actor=None, trigger=CheckRun.Trigger.BUTTON) -> CheckRun:
    """Queue a run (the findings page's button); the task starts after the commit."""
    active = CheckRun.objects.filter(
        municipality=municipality,
        status__in=[CheckRun.Status.QUEUED, CheckRun.Status.RUNNING],
        created_at__gte=timezone.now() - timezone.timedelta(minutes=15),
    ).first()
    if active and trigger == CheckRun.Trigger.BUTTON:
        return active
    run = CheckRun.objects.create(municipality=municipality, requested_by=actor, trigger=trigger)
    if actor is not None:
        audit_log(actor=actor, action="checks.run", obj=run, municipality=municipality)
    enqueue("funding.tasks.run_checks", run.pk, municipality=municipality)
    return run


def finding_review(*, finding, actor, status, reason) -> Finding:
    """Mark a finding justified or resolved (reason required, audited), or reopen it."""
    reason = (reason or "").strip()
    if status not in Finding.Status.values:
        raise ApplicationError(_("Onbekende status."))
    if status != Finding.Status.OPEN and not reason:
        raise ApplicationError(
            _("Geef een toelichting: waarom is deze bevinding verantwoord of opgelost?")
        )
    old_status = finding.status
    finding.status = status
    finding.reason = reason
    finding.reviewed_by = actor
    finding.reviewed_at = timezone.now()
    finding.save(update_fields=["status", "reason", "reviewed_by", "reviewed_at"])
    audit_log(
        actor=actor,
        action=f"finding.{status}",
        obj=finding,
        changes={"status": [old_status, status]},
        reason=reason,
    )
    return finding


def finding_as_dict(finding) -> dict:
    """The JSON-lines shape of interchange.md."""
    return {
        "rule": finding.rule,
        "severity": finding.severity,
        "municipality": finding.municipality.code,
        "subjects": sorted(finding.subjects),
        "school": finding.school.code if finding.school_id else None,
        "theme": finding.theme or None,
        "amount": None if finding.amount is None else f"{finding.amount:.2f}",
        "message": finding.message,
    }
