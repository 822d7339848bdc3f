"""The national-scale data set of product.md "Scale" for benchmarks:
``python manage.py seed_demo --scale national --seed N``.

342 municipalities, ~7,500 school locations, ~30,000 activities, ~1,000,000 expenditure lines
(plus grants, imported scans with needs), generated reproducibly from the seed with bulk
inserts (COPY on PostgreSQL for the big tables). The same seed gives the same data. A re-run
first removes the previous scale set (municipalities GM3000-GM3341), never the demo story.

The people and the audit trail of the funding part of ``portal.scale`` are in :mod:`.people`;
meetings and action items are the meetings app's part (meetings/scale.py).
"""

import datetime as dt
import random
import time
from decimal import Decimal

from django.db import connection, transaction

from portal import scale as registry
from portal.db import analyze, copy_rows
from portal.domain import Theme
from portal.models import AuditEvent, Municipality, Region, User
from schools.models import Need, Scan, School

from ..models import (
    Activity,
    ActivityReach,
    CheckRun,
    Expenditure,
    Finding,
    FundingLine,
    FundingStream,
    Grant,
    normalise_key,
)

# What marks the scale set, so that a re-run removes it and nothing else: its place among the
# parts of portal.scale, its regions' slugs and its people's addresses.
PART_ORDER = 20
REGION_PREFIX = "schaal-regio-"
EMAIL_DOMAIN = "@schaal.example"

MUNICIPALITIES = 342
SCHOOLS = 7500
ACTIVITIES = 30000
LINES = 1_000_000
FIRST_CODE = 3000
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SUPPLIERS = [
    "Bibliotheek",
    "Sportbedrijf",
    "Welzijnsorganisatie",
    "Huiswerkinstituut",
    "Onderwijsadviesbureau",
    "Kinderopvang",
    "ICT Groep",
    "Bouwbedrijf",
    "Logopediepraktijk",
    "Muziekschool",
    "Jeugdzorg",
    "Taalschool",
]
THEMES = list(Theme.values)
SECTOR_WEIGHTS = [("BO", 70), ("VE", 10), ("SBO", 4), ("SO", 4), ("VSO", 2), ("VO", 10)]


def scale_codes():
    return [f"GM{FIRST_CODE + i:04d}" for i in range(MUNICIPALITIES)]


def _school_code(i):
    # 4th character Z: never one of the demo's location codes
    return f"{i % 100:02d}{LETTERS[(i // 100) % 26]}Z{i // 2600:02d}"


def _copy(model, columns, rows):
    """COPY on PostgreSQL (fast, streaming), bulk INSERT elsewhere (portal.db.copy_rows)."""
    copy_rows(model, columns, rows)


def clear():
    """Remove the previous scale set (only municipalities of the scale code range, the scale
    regions and the scale people), after the parts of later apps removed theirs."""
    later = [p for p in registry.parts() if p.order > PART_ORDER]
    for part in reversed(later):
        part.clear(registry.ScaleContext())
    ids = list(Municipality.objects.filter(code__in=scale_codes()).values_list("pk", flat=True))
    # the events first: deleting their actors would set ~200,000 actor ids to NULL one by one
    AuditEvent.objects.filter(municipality_id__in=ids)._raw_delete(connection.alias)
    Region.objects.filter(slug__startswith=REGION_PREFIX).delete()
    User.objects.filter(email__endswith=EMAIL_DOMAIN).delete()
    if not ids:
        return
    Finding.streams.through.objects.filter(finding__municipality_id__in=ids)._raw_delete(
        connection.alias
    )
    for model in (Finding, CheckRun, ActivityReach, Expenditure):
        model.objects.filter(municipality_id__in=ids)._raw_delete(connection.alias)
    Need.objects.filter(scan__municipality_id__in=ids).delete()
    Scan.objects.filter(municipality_id__in=ids)._raw_delete(connection.alias)
    FundingLine.objects.filter(activity__municipality_id__in=ids).delete()
    Activity.schools.through.objects.filter(activity__municipality_id__in=ids).delete()
    Activity.objects.filter(municipality_id__in=ids)._raw_delete(connection.alias)
    Grant.objects.filter(municipality_id__in=ids).update(carried_from=None)
    Grant.objects.filter(municipality_id__in=ids)._raw_delete(connection.alias)
    School.objects.filter(municipality_id__in=ids)._raw_delete(connection.alias)
    Municipality.objects.filter(pk__in=ids).delete()


def seed_national(
    *,
    seed=1,
    log=print,
    lines=LINES,
    schools_total=SCHOOLS,
    activities_total=ACTIVITIES,
    municipalities_total=MUNICIPALITIES,
    shared=None,
):
    """Generate the national data set; returns counts. Runs with scopes disabled.
    ``shared`` (a dict), if given, receives ``municipalities`` (ordered by code) and
    ``shares`` (each one's share of the country, summing to 1) for the later parts."""
    started = time.monotonic()
    rng = random.Random(seed)
    streams = {s.code: s for s in FundingStream.objects.all()}
    with transaction.atomic():
        clear()
        Municipality.objects.bulk_create(
            [
                Municipality(
                    code=code, name=f"Schaalgemeente {i + 1:03d}", slug=f"schaal-{code.lower()}"
                )
                for i, code in enumerate(scale_codes()[:municipalities_total])
            ]
        )
        municipalities = list(Municipality.objects.filter(code__in=scale_codes()).order_by("code"))
        # Sizes vary like real municipalities: a few large ones, many small.
        weights = [rng.paretovariate(1.3) for _ in municipalities]
        total = sum(weights)
        shares = [w / total for w in weights]
        if shared is not None:
            shared.update(municipalities=municipalities, shares=shares)

        schools = []
        counter = 0
        for m, share in zip(municipalities, shares, strict=False):
            for _ in range(max(3, round(share * schools_total))):
                sector = rng.choices(
                    [s for s, _w in SECTOR_WEIGHTS], [w for _s, w in SECTOR_WEIGHTS]
                )[0]
                schools.append(
                    School(
                        municipality=m,
                        code=_school_code(counter),
                        name=f"School {counter}",
                        sector=sector,
                        pupil_count=rng.randint(40, 600),
                    )
                )
                counter += 1
        School.objects.bulk_create(schools, batch_size=5000)
        by_m = {}
        for pk, mid, sector in (
            School.objects.filter(municipality__in=municipalities)
            .order_by("pk")
            .values_list("pk", "municipality_id", "sector")
        ):
            by_m.setdefault(mid, []).append((pk, sector))
        log(f"schaal: {len(municipalities)} gemeenten, {len(schools)} scholen")

        grants = []
        for m, share in zip(municipalities, shares, strict=False):
            # lines average EUR 10.000 and spread over four grants: a quarter each, plus headroom,
            # so that overspending (F5) stays the exception
            budget = Decimal(max(200_000, int(share * lines * 10_000 / 4 * 1.6))).quantize(
                Decimal("1")
            )
            grants += [
                Grant(
                    municipality=m,
                    stream=streams["GOAB"],
                    reference="GOAB-2019-2022",
                    window_start=dt.date(2019, 1, 1),
                    window_end=dt.date(2022, 12, 31),
                    amount=budget,
                ),
                Grant(
                    municipality=m,
                    stream=streams["GOAB"],
                    reference="GOAB-2023-2026",
                    window_start=dt.date(2023, 1, 1),
                    window_end=dt.date(2026, 12, 31),
                    amount=budget,
                    carry_over=(budget * Decimal("0.1")).quantize(Decimal("0.01")),
                ),
                Grant(
                    municipality=m,
                    stream=streams["NPO-GEM"],
                    reference="SPUK-NPO-2021",
                    window_start=dt.date(2021, 7, 1),
                    window_end=dt.date(2025, 7, 31),
                    amount=budget,
                ),
                Grant(
                    municipality=m,
                    stream=streams["EIGEN"],
                    reference="EIGEN-2023",
                    window_start=None,
                    window_end=None,
                    amount=budget if share * lines > 2000 else Decimal("150000.00"),
                ),
            ]
        Grant.objects.bulk_create(grants, batch_size=5000)
        grant_rows = {}
        for pk, mid, stream_id, start, end in (
            Grant.objects.filter(municipality__in=municipalities)
            .order_by("pk")
            .values_list("pk", "municipality_id", "stream_id", "window_start", "window_end")
        ):
            grant_rows.setdefault(mid, []).append((pk, stream_id, start, end))

        activities, listed, own_count = [], [], 0
        for m, share in zip(municipalities, shares, strict=False):
            for j in range(max(4, round(share * activities_total))):
                start = dt.date(2021 + rng.randint(0, 3), rng.choice([1, 8]), 1)
                end = start + dt.timedelta(days=rng.choice([180, 364, 729]))
                owner = None
                if rng.random() < 0.4:
                    owner = rng.choice(by_m[m.pk])[0]
                    own_count += 1
                activities.append(
                    Activity(
                        municipality=m,
                        owner_school_id=owner,
                        code=f"A{j:04d}",
                        name=f"Activiteit {j}",
                        themes=rng.sample(THEMES, rng.randint(1, 2)),
                        # implicit reach: 15% every school, 30% one sector (when no schools are listed below)
                        sectors=[] if rng.random() < 0.33 else [rng.choice(["BO", "VO", "VE"])],
                        start=start,
                        end=end,
                        planned_cost=Decimal(rng.randint(5, 400) * 1000),
                    )
                )
        Activity.objects.bulk_create(activities, batch_size=5000)
        activity_rows = list(
            Activity.objects.filter(municipality__in=municipalities)
            .order_by("pk")
            .values_list("pk", "municipality_id", "owner_school_id")
        )
        funding, through = [], Activity.schools.through
        school_ids = {mid: [pk for pk, _s in rows] for mid, rows in by_m.items()}
        by_activity_m = {}
        for pk, mid, owner in activity_rows:
            by_activity_m.setdefault(mid, []).append(pk)
            code = "NPO-SCHOOL" if owner else rng.choice(["GOAB", "NPO-GEM", "EIGEN"])
            funding.append(
                FundingLine(
                    activity_id=pk, stream=streams[code], amount=Decimal(rng.randint(5, 100) * 1000)
                )
            )
            if not owner and rng.random() < 0.55:
                for school in rng.sample(
                    school_ids[mid], min(len(school_ids[mid]), rng.randint(1, 4))
                ):
                    listed.append(through(activity_id=pk, school_id=school))
        FundingLine.objects.bulk_create(funding, batch_size=5000)
        through.objects.bulk_create(listed, batch_size=5000)
        log(f"schaal: {len(activity_rows)} activiteiten ({own_count} van scholen)")

        scans, needs = [], []
        for mid, rows in by_m.items():
            for pk, _sector in rows:
                scans.append(
                    Scan(
                        municipality_id=mid,
                        school_id=pk,
                        school_year="2023-2024",
                        status=Scan.Status.SUBMITTED,
                        source=Scan.Source.IMPORT,
                    )
                )
        Scan.objects.bulk_create(scans, batch_size=5000)
        for scan_id in (
            Scan.objects.filter(municipality__in=municipalities)
            .order_by("pk")
            .values_list("pk", flat=True)
        ):
            for theme in rng.sample(THEMES, 3):
                needs.append(
                    Need(
                        scan_id=scan_id,
                        theme=theme,
                        severity=rng.choice(["limited", "moderate", "severe"]),
                    )
                )
        Need.objects.bulk_create(needs, batch_size=5000)
        log(f"schaal: {len(scans)} scans, {len(needs)} behoeften")

        columns = [
            "municipality_id",
            "booking_id",
            "grant_id",
            "date",
            "amount",
            "supplier",
            "invoice_number",
            "supplier_key",
            "invoice_key",
            "description",
            "activity_id",
            "school_id",
            "cost_category",
            "depreciation_months",
            "new_construction",
            "version",
        ]
        eligible = {s.pk: set(s.eligible_sectors) for s in streams.values()}
        _copy(
            Expenditure,
            columns,
            expenditure_rows(
                rng, municipalities, shares, grant_rows, by_m, by_activity_m, lines, eligible
            ),
        )
    # Fresh statistics, or the first plans are made for empty tables (issue 14 §7).
    analyze(Municipality, School, Scan, Need, Activity, Grant, Expenditure)
    log(f"schaal: {lines} bestedingsregels; klaar in {time.monotonic() - started:.1f} s")
    return {
        "municipalities": len(municipalities),
        "schools": len(schools),
        "activities": len(activity_rows),
        "lines": lines,
    }


def expenditure_rows(
    rng, municipalities, shares, grant_rows, schools_by_m, activities_by_m, lines, eligible
):
    """Yield expenditure rows (streamed into COPY); about 1% are anomalies the checks catch:
    duplicates, split invoices, late lines, new construction, long depreciation."""
    counts = [max(1, round(share * lines)) for share in shares]
    counts[-1] += lines - sum(counts)  # exactly `lines` in total
    for m, n in zip(municipalities, counts, strict=False):
        grants = grant_rows[m.pk]
        schools = schools_by_m[m.pk]
        activities = activities_by_m.get(m.pk, [])
        previous = None
        for i in range(n):
            grant_id, stream_id, start, end = rng.choice(grants)
            lo = start or dt.date(2021, 1, 1)
            hi = end or dt.date(2025, 12, 31)
            day = lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))
            roll = rng.random()
            if roll < 0.002:
                day = hi + dt.timedelta(days=rng.randint(1, 60))  # F3
            supplier = f"{rng.choice(SUPPLIERS)} {rng.randint(1, 40)}"
            invoice = f"F{day.year}-{m.code[2:]}-{i:06d}"
            amount = Decimal(rng.randint(-2_000, 2_000_000)) / 100
            if previous and roll > 0.995:  # F1 / F2: same supplier and invoice as the previous line
                supplier, invoice = previous[0], previous[1]
                if roll > 0.9975:
                    amount = previous[2]
            previous = (supplier, invoice, amount)
            school = None
            if rng.random() < 0.3:
                pk, sector = rng.choice(schools)
                # a school of a sector the stream does not allow (F4) only now and then
                if not eligible[stream_id] or sector in eligible[stream_id] or roll < 0.01:
                    school = pk
            yield (
                m.pk,
                f"{day.year}-{i:07d}",
                grant_id,
                day,
                amount,
                supplier,
                invoice,
                normalise_key(supplier),
                normalise_key(invoice),
                "",
                rng.choice(activities) if activities and rng.random() < 0.3 else None,
                school,
                "overig",
                60 if roll < 0.004 else None,
                0.004 <= roll < 0.005,
                1,
            )
