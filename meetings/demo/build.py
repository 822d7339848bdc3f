"""The building blocks of the meetings demo: the cast (who and what the meetings refer to)
and idempotent helpers that find a row by its natural key and update it."""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone

from funding.models import Activity, Grant
from schools.models import School

from .. import services
from ..models import (
    ActionItem,
    ActionReview,
    AgendaItem,
    Decision,
    Meeting,
    MeetingSeries,
    Participant,
    ProgressNote,
    StandingItem,
)

AMS = ZoneInfo("Europe/Amsterdam")

POLICY = "beleid@midden-groningen.example"
DIRECTOR = "directeur@devlonder.example"
CHAIR = "voorzitter@lea-midden-groningen.example"
COORDINATOR = "coordinator@kenniskring-noord.example"

LEA_PARTICIPANTS = [
    (
        "Bestuurder",
        "Stichting openbaar primair onderwijs Midden-Groningen",
        "schoolbestuur",
        "bestuur@opo-mg.example",
    ),
    (
        "Bestuurder",
        "Stichting christelijk onderwijs Midden-Groningen",
        "schoolbestuur",
        "bestuur@co-mg.example",
    ),
    ("Directeur", "Samenwerkingsverband PO Groningen", "swv", "directeur@swv-po.example"),
    ("Manager", "Kinderopvang Midden-Groningen", "kinderopvang", "manager@kinderopvang-mg.example"),
    ("Teamleider", "Jeugdteam Midden-Groningen", "jeugdhulp", "teamleider@jeugdteam-mg.example"),
    ("Adviseur", "Bibliotheek Midden-Groningen", "bibliotheek", "adviseur@bibliotheek-mg.example"),
    ("Jeugdarts", "GGD", "ggd", "jeugdarts@ggd.example"),
    (
        "Coördinator",
        "Welzijnsorganisatie Midden-Groningen",
        "welzijn",
        "coordinator@welzijn-mg.example",
    ),
]


def at(year, month, day, hour=14, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=AMS)


def series(tenant, name, type, chair, standing=()):
    series, _ = MeetingSeries.objects.update_or_create(
        **tenant, name=name, defaults={"type": type, "chair": chair}
    )
    for order, (title, description) in enumerate(standing, start=1):
        StandingItem.objects.update_or_create(
            series=series, title=title, defaults={"order": order * 10, "description": description}
        )
    return series


def meeting(
    tenant,
    *,
    title,
    starts_at,
    type,
    series=None,
    chair=None,
    status=Meeting.Status.HELD,
    location="",
    minutes="",
    hours=2,
    participants=(),
    users=(),
):
    meeting, created = Meeting.objects.update_or_create(
        **tenant,
        title=title,
        starts_at=starts_at,
        defaults={
            "type": type,
            "series": series,
            "chair": chair,
            "status": status,
            "location": location,
            "minutes": minutes,
            "ends_at": starts_at + datetime.timedelta(hours=hours),
        },
    )
    if series is not None:
        # What meeting_create does for a new meeting of a series, idempotently.
        for s in series.standing_items.all():
            AgendaItem.objects.update_or_create(
                meeting=meeting,
                standing_item=s,
                defaults={"title": s.title, "description": s.description, "order": s.order},
            )
        services.actions_carry_over(meeting=meeting)
    for name, organisation, kind, email in participants:
        Participant.objects.update_or_create(
            meeting=meeting,
            name=name,
            organisation=organisation,
            defaults={"organisation_type": kind, "email": email},
        )
    for user, organisation, kind in users:
        if user is not None:
            Participant.objects.update_or_create(
                meeting=meeting,
                user=user,
                defaults={"organisation": organisation, "organisation_type": kind},
            )
    return meeting


def item(meeting, order, title, description="", presenter="", schools=(), activities=(), grants=()):
    item, _ = AgendaItem.objects.update_or_create(
        meeting=meeting,
        title=title,
        defaults={"order": order, "description": description, "presenter": presenter},
    )
    item.schools.set([s for s in schools if s])
    item.activities.set([a for a in activities if a])
    item.grants.set([g for g in grants if g])
    return item


def decision(item, text, amount=None, activity=None, grant=None):
    Decision.objects.update_or_create(
        agenda_item=item,
        text=text,
        defaults={"amount": amount, "activity": activity, "grant": grant},
    )


def action(
    meeting,
    item,
    description,
    *,
    due,
    status="open",
    theme="",
    owner_user=None,
    owner_name="",
    organisation="",
    email="",
    schools=(),
    activities=(),
):
    closed = (
        None
        if status in ActionItem.OPEN_STATUSES
        else meeting.starts_at + datetime.timedelta(days=30)
    )
    action, _ = ActionItem.objects.update_or_create(
        meeting=meeting,
        description=description,
        defaults={
            "municipality": meeting.municipality,
            "region": meeting.region,
            "agenda_item": item,
            "due_date": due,
            "status": status,
            "theme": theme,
            "owner_user": owner_user,
            "owner_name": "" if owner_user else owner_name,
            "owner_organisation": organisation,
            "owner_email": "" if owner_user else email,
            "closed_at": closed,
        },
    )
    action.schools.set([s for s in schools if s])
    action.activities.set([a for a in activities if a])
    return action


def review(meeting, action, status, note, by):
    review, _ = ActionReview.objects.update_or_create(
        meeting=meeting,
        action=action,
        defaults={
            "status": status,
            "note": note,
            "recorded_by": by,
            "recorded_at": meeting.starts_at + datetime.timedelta(hours=1),
        },
    )
    ProgressNote.objects.update_or_create(
        action=action,
        text=note,
        defaults={"author": by, "status": status, "created_at": review.recorded_at},
    )
    action.status = status
    action.closed_at = None if status in ActionItem.OPEN_STATUSES else review.recorded_at
    action.save(update_fields=["status", "closed_at", "updated_at"])


@dataclass
class Cast:
    """Who and what the meetings refer to: the demo accounts, Midden-Groningen, De Vlonder and
    the activities and grants the funding part created (None when it did not run)."""

    municipality: object
    region: object
    municipalities: list
    policy: object
    director: object
    chair: object
    coordinator: object
    school: object
    oka_activity: object
    tvt: object
    oka_grant: object
    goab: object
    today: datetime.date

    @property
    def municipal(self):
        return {"municipality": self.municipality, "region": None}

    @property
    def regional(self):
        return {"municipality": None, "region": self.region}

    @property
    def portal_participants(self):
        return [
            (self.policy, "Gemeente Midden-Groningen", "gemeente"),
            (self.director, "OBS De Vlonder", "school"),
        ]


def cast_from(ctx) -> Cast:
    """The cast from the demo context (and what the schools and funding parts created)."""
    users = ctx.users
    mg = ctx.municipalities["GM1952"]
    activity = Activity.objects.filter(municipality=mg, owner_school__isnull=True)
    grant = Grant.objects.filter(municipality=mg)
    return Cast(
        municipality=mg,
        region=ctx.region,
        municipalities=list(ctx.municipalities.values()),
        policy=users.get(POLICY),
        director=users.get(DIRECTOR),
        chair=users.get(CHAIR),
        coordinator=users.get(COORDINATOR),
        school=School.objects.filter(code="91KA00").first(),
        oka_activity=activity.filter(code="OKA-SAMEN").first(),
        tvt=activity.filter(code="TVT").first(),
        oka_grant=grant.filter(reference="OKA-2023").first(),
        goab=grant.filter(reference="GOAB-2023-2026").first(),
        today=timezone.localdate(),
    )
