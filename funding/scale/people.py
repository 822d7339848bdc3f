"""The funding part of ``portal.scale`` (registered in FundingConfig.ready): the national set's
money (:mod:`.money`) at 1/``--fraction`` of every size, then the people (a policy officer per
municipality; every role of the largest municipality, a director per school; a coordinator of
a 20- and of an all-municipality region) and the audit events of money and scans."""

import datetime as dt
import json

from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone

from portal.db import analyze, copy_rows
from portal.demo import DEMO_PASSWORD
from portal.models import AuditEvent, Membership, Region, Role, User
from schools.models import Directorship, Scan, School

from ..models import (
    Activity,
    Expenditure,
    Grant,
)
from .money import (
    ACTIVITIES,
    EMAIL_DOMAIN,
    LINES,
    MUNICIPALITIES,
    REGION_PREFIX,
    SCHOOLS,
    clear,
    seed_national,
)

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
