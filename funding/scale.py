"""The national-scale data set of product.md "Scale" for benchmarks:
``python manage.py seed_demo --scale national --seed N``.

342 municipalities, ~7,500 school locations, ~30,000 activities, ~1,000,000 expenditure lines
(plus grants, imported scans with needs), generated reproducibly from the seed with bulk
inserts (COPY on PostgreSQL for the big tables). The same seed gives the same data. A re-run
first removes the previous scale set (municipalities GM3000-GM3341), never the demo story.

This module is also the funding part of ``portal.scale`` (registered in FundingConfig.ready):
besides the money it makes the people (a policy officer per municipality; every role of the
largest municipality, a director per school; a coordinator of a 20- and of an all-municipality
region, scaled by ``--fraction``) and the audit events of money and scans. Meetings and action
items are the meetings app's part (meetings/scale.py).
"""

import datetime as dt
import json
import random
import time
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone

from portal import scale as registry
from portal.db import analyze, copy_rows
from portal.demo import DEMO_PASSWORD
from portal.domain import Theme
from portal.models import AuditEvent, Membership, Municipality, Region, Role, User
from schools.models import Directorship, Need, Scan, School

from .models import (
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


# --- the funding part of portal.scale: money, people and their audit trail ------------------

PART_ORDER = 20
REGION_PREFIX = "schaal-regio-"
EMAIL_DOMAIN = "@schaal.example"
SMALL_REGION = 20  # municipalities of the smaller region at national size
AUDIT_EVENTS = 150_000  # of the ~200,000 (product.md); meetings add one per meeting and action
AUDIT_ACTIONS = [
    # (action key, object type, weight): what the write services log most
    ("expenditure.update", "funding.expenditure", 30),
    ("expenditure.sign_off", "funding.expenditure", 25),
    ("expenditure.create", "funding.expenditure", 10),
    ("activity.update", "funding.activity", 12),
    ("grant.update", "funding.grant", 5),
    ("scan.submit", "schools.scan", 8),
    ("scan.review", "schools.scan", 5),
    ("expenditures.import", "portal.municipality", 3),
    ("checks.run", "portal.municipality", 2),
]


def scale_emails(kind: str, key: str = "") -> str:
    """The address of a generated person: ``beleid-gm3000@schaal.example`` etc."""
    return f"{kind}{'-' + key if key else ''}{EMAIL_DOMAIN}"


def seed_part(ctx) -> None:
    """The funding part: :func:`seed_national` at 1/``ctx.fraction`` of every size, then the
    people and the audit events. Leaves in ``ctx.shared``: ``municipalities``, ``shares``,
    ``largest`` (the municipality with most schools), ``regions`` ({"small": Region,
    "country": Region}), ``officers`` ({municipality id: policy officer}), ``people`` (role ->
    list of users of the largest municipality; coordinators under their region key)."""
    counts = seed_national(
        seed=ctx.seed,
        log=ctx.log,
        lines=ctx.scaled(LINES),
        schools_total=ctx.scaled(SCHOOLS),
        activities_total=ctx.scaled(ACTIVITIES),
        municipalities_total=ctx.scaled(MUNICIPALITIES, minimum=2),
        shared=ctx.shared,
    )
    ctx.counts.update(counts)
    rng = ctx.rng("funding.people")
    with transaction.atomic():
        seed_people(ctx, rng)
        seed_audit(ctx, rng, ctx.scaled(AUDIT_EVENTS))
    analyze(User, Membership, Directorship, Region, Region.municipalities.through, AuditEvent)


def seed_people(ctx, rng) -> None:
    """Accounts with memberships (password: the demo's): a policy officer per municipality;
    in the largest municipality also an LEA chair, an accountant and a director per school;
    a coordinator of a region of 20 municipalities (scaled: 20/342 of them, at least 2) and of
    a region of all of them. Bulk inserts; a fixed number of queries."""
    municipalities = ctx.shared["municipalities"]
    school_counts = {}
    for mid in School.objects.filter(municipality__in=municipalities).values_list(
        "municipality_id", flat=True
    ):
        school_counts[mid] = school_counts.get(mid, 0) + 1
    largest = max(municipalities, key=lambda m: (school_counts.get(m.pk, 0), -m.pk))
    ctx.shared["largest"] = largest
    small_n = max(2, round(SMALL_REGION * len(municipalities) / MUNICIPALITIES))
    small = Region(name=f"Schaalregio van {small_n} gemeenten", slug=f"{REGION_PREFIX}{small_n}")
    country = Region(
        name=f"Schaalregio van {len(municipalities)} gemeenten", slug=f"{REGION_PREFIX}land"
    )
    Region.objects.bulk_create([small, country])
    through = Region.municipalities.through
    members = sorted(rng.sample(municipalities, small_n), key=lambda m: m.code)
    through.objects.bulk_create(
        [through(region=small, municipality=m) for m in members]
        + [through(region=country, municipality=m) for m in municipalities],
        batch_size=5000,
    )
    ctx.shared["regions"] = {"small": small, "country": country}

    password = make_password(DEMO_PASSWORD)  # hashed once: the seed measures no hasher
    schools = list(
        School.objects.filter(municipality=largest).order_by("code").values_list("pk", "code")
    )
    planned = [
        (scale_emails("beleid", m.code.lower()), "Beleidsmedewerker", Role.POLICY_OFFICER, m, None)
        for m in municipalities
    ]
    planned += [
        (scale_emails("voorzitter"), "Voorzitter LEA", Role.LEA_CHAIR, largest, None),
        (scale_emails("accountant"), "Controller", Role.ACCOUNTANT, largest, None),
    ]
    planned += [
        (
            scale_emails("directeur", code.lower()),
            f"Directeur {code}",
            Role.SCHOOL_DIRECTOR,
            largest,
            pk,
        )
        for pk, code in schools
    ]
    planned += [
        (
            scale_emails("coordinator", key),
            "Regiocoördinator",
            Role.REGIONAL_COORDINATOR,
            region,
            None,
        )
        for key, region in (("klein", small), ("land", country))
    ]
    users = User.objects.bulk_create(
        [User(email=email, first_name=name, password=password) for email, name, *_r in planned],
        batch_size=2000,
    )
    memberships = []
    for user, (_email, _name, role, where, _school) in zip(users, planned, strict=True):
        scope = {"region": where} if role == Role.REGIONAL_COORDINATOR else {"municipality": where}
        memberships.append(Membership(user=user, role=role, **scope))
    memberships = Membership.objects.bulk_create(memberships, batch_size=2000)
    Directorship.objects.bulk_create(
        [
            Directorship(membership_id=membership.pk, school_id=school)
            for membership, (*_r, school) in zip(memberships, planned, strict=True)
            if school
        ],
        batch_size=2000,
    )
    people = {}
    officers = {}
    for user, (_e, _n, role, where, _s) in zip(users, planned, strict=True):
        if role == Role.POLICY_OFFICER:
            officers[where.pk] = user
            if where.pk != largest.pk:
                continue
        key = role
        if role == Role.REGIONAL_COORDINATOR:
            key = "small" if where is small else "country"
        people.setdefault(key, []).append(user)
    ctx.shared.update(officers=officers, people=people)
    ctx.counts.update(users=len(users), memberships=len(memberships), regions=2)
    ctx.log(
        f"schaal: {len(users)} accounts; grootste gemeente {largest.name} "
        f"({len(schools)} directeuren); regio's van {small_n} en {len(municipalities)} gemeenten"
    )


def seed_audit(ctx, rng, total: int) -> None:
    """``total`` audit events of the write services on money and scans, spread over the
    municipalities by size and over 2021-2025, each by the municipality's policy officer on
    one of its grants, activities, scans or expenditure lines. Streamed into the table."""
    municipalities = ctx.shared["municipalities"]
    shares = ctx.shared["shares"]
    officers = ctx.shared["officers"]
    ids = {}
    for model, key in (
        (Grant, "funding.grant"),
        (Activity, "funding.activity"),
        (Scan, "schools.scan"),
    ):
        for pk, mid in (
            model.objects.filter(municipality__in=municipalities)
            .order_by("pk")
            .values_list("pk", "municipality_id")
        ):
            ids.setdefault((mid, key), []).append(pk)
    lines = {
        mid: (lo, hi)
        for mid, lo, hi in Expenditure.objects.filter(municipality__in=municipalities)
        .values("municipality_id")
        .annotate(lo=models.Min("pk"), hi=models.Max("pk"))
        .order_by()
        .values_list("municipality_id", "lo", "hi")
    }
    counts = [max(1, round(share * total)) for share in shares]
    counts[-1] = max(1, counts[-1] + total - sum(counts))
    start = timezone.make_aware(dt.datetime(2021, 1, 1, 8))
    span = int((dt.datetime(2025, 12, 31) - dt.datetime(2021, 1, 1)).total_seconds())
    keys = [a for a, _t, _w in AUDIT_ACTIONS]
    types = {a: t for a, t, _w in AUDIT_ACTIONS}
    weights = [w for _a, _t, w in AUDIT_ACTIONS]

    def rows():
        for m, n in zip(municipalities, counts, strict=True):
            actor = officers[m.pk].pk
            for _i in range(n):
                action = rng.choices(keys, weights)[0]
                kind = types[action]
                if kind == "funding.expenditure":
                    lo, hi = lines.get(m.pk, (None, None))
                    if lo is None:
                        kind, action = "portal.municipality", "checks.run"
                    else:
                        pk = rng.randint(lo, hi)
                        subject = f"Bestedingsregel {pk}"
                if kind in ("funding.grant", "funding.activity", "schools.scan"):
                    pk = rng.choice(ids[(m.pk, kind)])
                    subject = f"{kind.split('.')[1]} {pk}"
                if kind == "portal.municipality":
                    pk, subject = m.pk, m.name
                changes = {"status": ["open", "afgetekend"]} if action.endswith("sign_off") else {}
                yield (
                    m.pk,
                    actor,
                    start + dt.timedelta(seconds=rng.randrange(span)),
                    action,
                    kind,
                    str(pk),
                    subject,
                    json.dumps(changes),
                    "",
                )

    written = copy_rows(
        AuditEvent,
        [
            "municipality_id",
            "actor_id",
            "created_at",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "reason",
        ],
        rows(),
    )
    ctx.counts["audit_events"] = ctx.counts.get("audit_events", 0) + written
    ctx.log(f"schaal: {written} auditgebeurtenissen (geld en scans)")


def clear_part(ctx) -> None:
    with transaction.atomic():
        clear()
