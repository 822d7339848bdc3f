"""The meetings part of the national-scale data set (portal.scale; product.md "Scale": ~5,000
meetings and ~50,000 action items), registered in MeetingsConfig.ready().

Per municipality an LEA series with meetings every six weeks (their number by the
municipality's size), agenda items, participants and ~10 agreed actions per meeting; open
actions are carried into the review block of the series' next meetings. The two scale regions
(funding.scale) get regional meetings and actions, owned by their coordinator or by outside
organisations, never by a municipality's people. Every meeting and action has its
``meeting.create`` / ``action.create`` audit event, as the services write them. Rows stream
into the tables (portal.db.copy_rows), so memory stays flat in the number of actions.
"""

import datetime as dt
import json

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from funding.scale import EMAIL_DOMAIN, REGION_PREFIX, scale_codes
from portal.db import analyze, copy_rows
from portal.domain import Theme
from portal.models import AuditEvent, Role
from schools.models import School

from .models import (
    ActionItem,
    ActionReview,
    AgendaItem,
    Meeting,
    MeetingSeries,
    MeetingType,
    Participant,
    ProgressNote,
)

PART_ORDER = 40
MEETINGS = 5_000
ACTIONS = 50_000
REGIONAL_SHARE = 0.05  # of the meetings; a third for the small region, the rest the country's
AGENDA = [
    "Opening en mededelingen",
    "Onderwijskansenakkoord: voortgang",
    "Schoolscans",
    "NPO en SPUK",
    "Rondvraag",
]
ORGANISATIONS = [
    "Schoolbestuur",
    "Kinderopvang",
    "Bibliotheek",
    "GGD",
    "Welzijnsorganisatie",
    "Samenwerkingsverband",
]
TASKS = [
    "Inventarisatie lerarentekort aanvullen",
    "Casussen bankzitters bespreken",
    "Leerlingenvervoer afstemmen",
    "Wachtlijst JGGZ in kaart brengen",
    "Voorziening thuiszitters uitwerken",
    "Werkbezoek plannen",
    "Financiële verantwoording delen",
    "Besteding NPO-middelen toelichten",
]
THEMES = list(Theme.values)
# The data are fixed in time (reproducible): meetings before this day were held.
REFERENCE = dt.datetime(2026, 3, 1, 12)


def _scale_tenants():
    return Q(municipality__code__in=scale_codes()) | Q(region__slug__startswith=REGION_PREFIX)


def clear_part(ctx=None) -> None:
    """Remove the previous scale set's meetings, with everything that hangs off them."""
    meetings = Meeting.objects.filter(_scale_tenants())
    actions = ActionItem.objects.filter(_scale_tenants())
    alias = connection.alias
    with transaction.atomic():
        AuditEvent.objects.filter(
            municipality__isnull=True, actor__email__endswith=EMAIL_DOMAIN
        )._raw_delete(alias)
        ActionReview.objects.filter(meeting__in=meetings)._raw_delete(alias)
        ProgressNote.objects.filter(action__in=actions)._raw_delete(alias)
        ActionItem.schools.through.objects.filter(actionitem__in=actions)._raw_delete(alias)
        ActionItem.activities.through.objects.filter(actionitem__in=actions)._raw_delete(alias)
        actions._raw_delete(alias)
        AgendaItem.objects.filter(meeting__in=meetings).delete()  # decisions, links
        Participant.objects.filter(meeting__in=meetings)._raw_delete(alias)
        meetings.delete()  # attachments and sent documents of a scale meeting: none
        MeetingSeries.objects.filter(_scale_tenants()).delete()


def _split(total: int, shares: list[float], minimum: int) -> list[int]:
    """``total`` over the shares, each at least ``minimum``; exactly ``total`` in all (the
    largest takes the rounding) when the minimums leave room."""
    counts = [max(minimum, round(s * total)) for s in shares]
    top = counts.index(max(counts))
    counts[top] = max(minimum, counts[top] + total - sum(counts))
    return counts


def seed_part(ctx) -> None:
    """Make the meetings part from what the funding part left in ``ctx.shared``
    (municipalities, shares, largest, regions, officers, people). Counts go to
    ``ctx.counts``: series, meetings, agenda_items, participants, actions, reviews,
    action_schools, and audit_events (added to the funding part's)."""
    rng = ctx.rng("meetings")
    shared = ctx.shared
    municipalities, shares = shared["municipalities"], shared["shares"]
    largest, regions, officers, people = (
        shared["largest"],
        shared["regions"],
        shared["officers"],
        shared["people"],
    )
    total_meetings = ctx.scaled(MEETINGS, minimum=10)
    # at least two per region: one held (with actions), the next planned
    regional = max(4, round(total_meetings * REGIONAL_SHARE))
    municipal = _split(total_meetings - regional, shares, minimum=2)
    small_n = max(2, regional // 3)
    tenants = [("m", m, n) for m, n in zip(municipalities, municipal, strict=True)]
    tenants += [("r", regions["small"], small_n), ("r", regions["country"], regional - small_n)]

    def chair_of(kind, tenant):
        if kind == "r":
            key = "small" if tenant is regions["small"] else "country"
            return people[key][0]
        if tenant.pk == largest.pk:
            return people[Role.LEA_CHAIR][0]
        return officers[tenant.pk]

    with transaction.atomic():
        series = MeetingSeries.objects.bulk_create(
            [
                MeetingSeries(
                    type=MeetingType.LEA if kind == "m" else MeetingType.KENNISKRING,
                    name=f"{'LEA' if kind == 'm' else 'Kenniskring'} {tenant.name}",
                    chair=chair_of(kind, tenant),
                    **{"municipality" if kind == "m" else "region": tenant},
                )
                for kind, tenant, _n in tenants
            ],
            batch_size=2000,
        )
        # --- meetings: every six weeks back from the reference day --------------------------
        plan = []  # (series index, kind, tenant, starts_at)
        for index, (kind, tenant, n) in enumerate(tenants):
            # the last one (the next, planned) five weeks after the reference day
            first = REFERENCE + dt.timedelta(weeks=5) - dt.timedelta(weeks=6 * (n - 1))
            for k in range(n):
                plan.append((index, kind, tenant, first + dt.timedelta(weeks=6 * k)))
        tz = timezone.get_current_timezone()

        def meeting_rows():
            for index, kind, tenant, starts in plan:
                at = timezone.make_aware(starts, tz)
                yield (
                    tenant.pk if kind == "m" else None,
                    tenant.pk if kind == "r" else None,
                    series[index].pk,
                    series[index].type,
                    f"{series[index].name} {starts:%d-%m-%Y}",
                    at,
                    at + dt.timedelta(hours=2),
                    "Gemeentehuis" if kind == "m" else "Online",
                    "",
                    chair_of(kind, tenant).pk,
                    "held" if starts < REFERENCE else "planned",
                    "Verslag vastgesteld." if starts < REFERENCE else "",
                    at - dt.timedelta(days=30),
                    at,
                )

        copy_rows(
            Meeting,
            [
                "municipality_id",
                "region_id",
                "series_id",
                "type",
                "title",
                "starts_at",
                "ends_at",
                "location",
                "online_url",
                "chair_id",
                "status",
                "minutes",
                "created_at",
                "updated_at",
            ],
            meeting_rows(),
        )
        meeting_ids = list(
            Meeting.objects.filter(series__in=series).order_by("pk").values_list("pk", flat=True)
        )
        assert len(meeting_ids) == len(plan)
        counts = {"series": len(series), "meetings": len(meeting_ids)}

        # --- agenda items and participants ----------------------------------------------------
        def agenda_rows():
            for pk in meeting_ids:
                for order, title in enumerate(AGENDA, start=1):
                    yield (pk, order * 10, title, "", "", None)

        counts["agenda_items"] = copy_rows(
            AgendaItem,
            ["meeting_id", "order", "title", "description", "presenter", "time"],
            agenda_rows(),
        )
        agenda = {}
        for pk, meeting_id in (
            AgendaItem.objects.filter(meeting_id__in=meeting_ids)
            .order_by("pk")
            .values_list("pk", "meeting_id")
        ):
            agenda.setdefault(meeting_id, []).append(pk)

        def participant_rows():
            for pk, (_i, kind, tenant, _s) in zip(meeting_ids, plan, strict=True):
                yield (
                    pk,
                    chair_of(kind, tenant).pk,
                    "",
                    "",
                    "gemeente" if kind == "m" else "overig",
                    "",
                )
                for org in rng.sample(ORGANISATIONS, 4):
                    yield (pk, None, f"Vertegenwoordiger {org.lower()}", org, "overig", "")

        counts["participants"] = copy_rows(
            Participant,
            ["meeting_id", "user_id", "name", "organisation", "organisation_type", "email"],
            participant_rows(),
        )

        # --- actions -----------------------------------------------------------------------
        schools = {}
        for pk, mid in (
            School.objects.filter(municipality__in=municipalities)
            .order_by("pk")
            .values_list("pk", "municipality_id")
        ):
            schools.setdefault(mid, []).append(pk)
        directors = people.get(Role.SCHOOL_DIRECTOR, [])
        largest_people = people.get(Role.POLICY_OFFICER, []) + people.get(Role.LEA_CHAIR, [])
        plan_actions = []  # (meeting index, status) in insert order, for reviews and schools
        held_meetings = sum(1 for p in plan if p[3] < REFERENCE)
        # ~10 actions per held meeting on average, ACTIONS in all at national size
        mean = ctx.scaled(ACTIONS, minimum=10) / max(1, held_meetings)

        def action_rows():
            for i, (pk, (_index, kind, tenant, starts)) in enumerate(
                zip(meeting_ids, plan, strict=True)
            ):
                held = starts < REFERENCE
                if not held:
                    continue  # actions are agreed in meetings that were held
                n = max(1, round(rng.uniform(0.5, 1.5) * mean))
                at = timezone.make_aware(starts, tz) + dt.timedelta(hours=3)
                for _k in range(n):
                    age = (REFERENCE - starts).days
                    roll = rng.random()
                    status = (
                        "done"
                        if roll < min(0.9, age / 400)
                        else ("cancelled" if roll > 0.97 else rng.choice(["open", "in_progress"]))
                    )
                    owner, name, org = None, "", ""
                    pick = rng.random()
                    if kind == "r":
                        if pick < 0.4:
                            key = "small" if tenant is regions["small"] else "country"
                            owner = people[key][0].pk
                        else:
                            org = rng.choice(ORGANISATIONS)
                            name = f"Contactpersoon {org.lower()}"
                    elif tenant.pk == largest.pk and pick < 0.7:
                        owner = rng.choice(
                            directors if pick < 0.45 and directors else largest_people
                        ).pk
                    elif pick < 0.4:
                        owner = officers[tenant.pk].pk
                    else:
                        org = rng.choice(ORGANISATIONS)
                        name = f"Contactpersoon {org.lower()}"
                    due = starts.date() + dt.timedelta(days=rng.choice([30, 60, 90, 180]))
                    plan_actions.append((i, status))
                    yield (
                        tenant.pk if kind == "m" else None,
                        tenant.pk if kind == "r" else None,
                        pk,
                        rng.choice(agenda[pk]),
                        f"{rng.choice(TASKS)} ({tenant.name})",
                        owner,
                        name,
                        org,
                        "",
                        due,
                        status,
                        rng.choice(THEMES),
                        at,
                        at,
                        at + dt.timedelta(days=rng.randint(10, 120))
                        if status in ("done", "cancelled")
                        else None,
                    )

        counts["actions"] = copy_rows(
            ActionItem,
            [
                "municipality_id",
                "region_id",
                "meeting_id",
                "agenda_item_id",
                "description",
                "owner_user_id",
                "owner_name",
                "owner_organisation",
                "owner_email",
                "due_date",
                "status",
                "theme",
                "created_at",
                "updated_at",
                "closed_at",
            ],
            action_rows(),
        )
        action_ids = list(
            ActionItem.objects.filter(meeting_id__in=meeting_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        assert len(action_ids) == len(plan_actions)

        # --- carried over: an open action is reviewed in the series' next meetings ----------
        def review_rows():
            for pk, (i, status) in zip(action_ids, plan_actions, strict=True):
                if status not in ("open", "in_progress"):
                    continue
                index = plan[i][0]
                for j in range(i + 1, min(i + 4, len(plan))):
                    if plan[j][0] != index:
                        break
                    yield (meeting_ids[j], pk, "", "", None, None)

        counts["reviews"] = copy_rows(
            ActionReview,
            ["meeting_id", "action_id", "status", "note", "recorded_by_id", "recorded_at"],
            review_rows(),
        )

        def school_rows():
            for pk, (i, _status) in zip(action_ids, plan_actions, strict=True):
                kind, tenant = plan[i][1], plan[i][2]
                if kind == "m" and rng.random() < 0.3:
                    for school in rng.sample(schools[tenant.pk], min(2, len(schools[tenant.pk]))):
                        yield (pk, school)

        counts["action_schools"] = copy_rows(
            ActionItem.schools.through, ["actionitem_id", "school_id"], school_rows()
        )

        # --- the audit trail of it, as the services write it ---------------------------------
        def audit_rows():
            for pk, (_index, kind, tenant, starts) in zip(meeting_ids, plan, strict=True):
                at = timezone.make_aware(starts, tz) - dt.timedelta(days=30)
                yield (
                    tenant.pk if kind == "m" else None,
                    chair_of(kind, tenant).pk,
                    at,
                    "meeting.create",
                    "meetings.meeting",
                    str(pk),
                    f"Overleg {pk}",
                    "{}",
                    "",
                )
            for pk, (i, _status) in zip(action_ids, plan_actions, strict=True):
                _index, kind, tenant, starts = plan[i]
                yield (
                    tenant.pk if kind == "m" else None,
                    chair_of(kind, tenant).pk,
                    timezone.make_aware(starts, tz) + dt.timedelta(hours=3),
                    "action.create",
                    "meetings.actionitem",
                    str(pk),
                    f"Actiepunt {pk}",
                    json.dumps({"description": [None, f"Actiepunt {pk}"]}),
                    "",
                )

        audit = copy_rows(
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
            audit_rows(),
        )
    analyze(
        MeetingSeries,
        Meeting,
        AgendaItem,
        Participant,
        ActionItem,
        ActionReview,
        ActionItem.schools.through,
        AuditEvent,
    )
    ctx.counts.update(counts)
    ctx.counts["audit_events"] = ctx.counts.get("audit_events", 0) + audit
    ctx.log(
        f"schaal: {counts['meetings']} overleggen, {counts['actions']} actiepunten, "
        f"{counts['reviews']} besprekingen, {audit} auditgebeurtenissen (overleg)"
    )
