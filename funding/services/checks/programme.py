"""The programme rules of checks.md (P1, G1) and the ``ActivityReach`` table they work on
(activity x school x theme with the period): P1's pair search is a self-join, G1's gap search an
anti-join."""

from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from portal.db import analyze
from portal.domain import Severity, Theme
from schools.models import Need, Scan, School, school_year_bounds

from ...models import Activity, ActivityReach, Finding, FundingLine
from .base import NEED_SEVERITIES, SEVERITY, Derived

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
        removed = ActivityReach.objects.filter(municipality=municipality)._raw_delete(
            connection.alias
        )
        ActivityReach.objects.bulk_create(rows, batch_size=5000)
    if len(rows) > 2 * (removed or 0) + 1000:
        # Many rows where the statistics knew few (a municipality's first run, a new set):
        # without fresh statistics P1's self-join is planned for one row (issue 14 §7).
        analyze(ActivityReach)
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
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A self-join of thousands of rows: a nested loop (chosen when the statistics are
            # off) took 5.4 s where a merge or hash join takes 0.1 s (1/10 national set).
            cursor.execute("SET LOCAL enable_nestloop = off")
            cursor.execute("SET LOCAL jit = off")
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
