"""The meetings of the demo story (product.md, "Demo data"): Midden-Groningen's LEA series with
the Onderwijskansenakkoord as standing item (signed 19 June 2023), the G4 consultation of
5 February 2021 with its agreed actions, the kenniskring Noord meeting of 14 September 2021 on
NPO/SPUK questions, and the regional werksessie of 24 September 2018 with its eight actions,
followed up in the next werksessie. Organisations and roles only; addresses are .example.

Idempotent: every row is found by a natural key (tenant + title + start, meeting + title, ...)
and updated, so running the seed again changes nothing."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from funding.models import Activity, Grant
from schools.models import School

from . import services
from .models import (
    ActionItem,
    ActionReview,
    AgendaItem,
    Decision,
    Meeting,
    MeetingSeries,
    MeetingType,
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


def _at(year, month, day, hour=14, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=AMS)


def _series(tenant, name, type, chair, standing=()):
    series, _ = MeetingSeries.objects.update_or_create(
        **tenant, name=name, defaults={"type": type, "chair": chair}
    )
    for order, (title, description) in enumerate(standing, start=1):
        StandingItem.objects.update_or_create(
            series=series, title=title, defaults={"order": order * 10, "description": description}
        )
    return series


def _meeting(
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


def _item(
    meeting, order, title, description="", presenter="", schools=(), activities=(), grants=()
):
    item, _ = AgendaItem.objects.update_or_create(
        meeting=meeting,
        title=title,
        defaults={"order": order, "description": description, "presenter": presenter},
    )
    item.schools.set([s for s in schools if s])
    item.activities.set([a for a in activities if a])
    item.grants.set([g for g in grants if g])
    return item


def _decision(item, text, amount=None, activity=None, grant=None):
    Decision.objects.update_or_create(
        agenda_item=item,
        text=text,
        defaults={"amount": amount, "activity": activity, "grant": grant},
    )


def _action(
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


def _review(meeting, action, status, note, by):
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


def seed(ctx):
    """Midden-Groningen's LEA from the draft akkoord to the next meeting, then the region's
    meetings (G4 consultation, kenniskring, werksessie). Each step is one meeting or series."""
    cast = _cast(ctx)
    lea = _lea_series(cast)
    inventory = _lea_spring_2023(cast, lea)
    _lea_signing_2023(cast, lea, inventory)
    _lea_next_meeting(cast, lea)
    _g4_consultation_2021(cast)
    _kenniskring_2021(cast)
    _werksessie_2018(cast)
    ctx.log(
        f"Overleg: {Meeting.objects.count()} overleggen, {ActionItem.objects.count()} actiepunten, "
        f"{ActionReview.objects.count()} besprekingen."
    )


def _cast(ctx) -> Cast:
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


def _lea_series(cast):
    """Midden-Groningen's LEA, with the Onderwijskansenakkoord as standing item."""
    return _series(
        cast.municipal,
        "LEA Midden-Groningen",
        MeetingType.LEA,
        cast.chair,
        standing=[
            (
                "Onderwijskansenakkoord: voortgang",
                "Vast agendapunt: stand van de afspraken uit het Onderwijskansenakkoord (EUR 100.000 samenwerking in "
                "kindcentra, EUR 200.000 activiteiten).",
            )
        ],
    )


def _lea_spring_2023(cast, lea):
    """March 2023: the draft akkoord; two actions, one still open at the signing."""
    spring = _meeting(
        cast.municipal,
        title="LEA Midden-Groningen – voorjaar 2023",
        starts_at=_at(2023, 3, 16, 15),
        type=MeetingType.LEA,
        series=lea,
        chair=cast.chair,
        location="Gemeentehuis Hoogezand",
        participants=LEA_PARTICIPANTS,
        users=cast.portal_participants,
        minutes="Het concept-Onderwijskansenakkoord is besproken. De partners steunen de inzet op samenwerking in "
        "kindcentra en een activiteitenbudget. Dekking uit de onbestede OAB-middelen 2019-2022 (EUR 1.034.000).",
    )
    item = _item(
        spring,
        20,
        "Concept Onderwijskansenakkoord",
        "Voorstel: EUR 100.000 voor het versterken van de samenwerking in kindcentra en EUR 200.000 voor activiteiten "
        "van het akkoord, te dekken uit EUR 1.034.000 onbestede OAB-middelen over 2019-2022.",
        presenter="Beleidsmedewerker onderwijs",
        grants=[cast.goab],
    )
    _decision(
        item,
        "Het concept-akkoord wordt uitgewerkt tot een definitieve tekst; ondertekening in de LEA van 19 juni 2023.",
    )
    _action(
        spring,
        item,
        "Akkoordtekst afstemmen met de schoolbesturen en de kinderopvang",
        due=datetime.date(2023, 5, 15),
        status="done",
        owner_user=cast.policy,
        organisation="Gemeente Midden-Groningen",
        theme="ve",
    )
    inventory = _action(
        spring,
        item,
        "Behoefte aan samenwerking per kindcentrum inventariseren",
        due=datetime.date(2023, 6, 1),
        owner_name="Manager",
        organisation="Kinderopvang Midden-Groningen",
        email="manager@kinderopvang-mg.example",
        theme="ve",
    )
    return inventory


def _lea_signing_2023(cast, lea, inventory):
    """19 June 2023: the akkoord signed, its money decided, and the actions that follow."""
    signing = _meeting(
        cast.municipal,
        title="LEA Midden-Groningen – ondertekening Onderwijskansenakkoord",
        starts_at=_at(2023, 6, 19, 15),
        type=MeetingType.LEA,
        series=lea,
        chair=cast.chair,
        location="Gemeentehuis Hoogezand",
        participants=LEA_PARTICIPANTS,
        users=cast.portal_participants,
        minutes="Het Onderwijskansenakkoord is door de gemeente, de schoolbesturen en de kinderopvang ondertekend. "
        "Het akkoord is vanaf nu een vast agendapunt van de LEA.",
    )
    _review(
        signing,
        inventory,
        "done",
        "Inventarisatie per kindcentrum gereed; besproken bij de ondertekening.",
        cast.chair,
    )
    item = _item(
        signing,
        20,
        "Ondertekening Onderwijskansenakkoord",
        presenter="Wethouder onderwijs",
        activities=[cast.oka_activity, cast.tvt],
        grants=[cast.oka_grant, cast.goab],
    )
    _decision(
        item,
        "EUR 100.000 voor het versterken van de samenwerking in kindcentra.",
        Decimal("100000.00"),
        activity=cast.oka_activity,
        grant=cast.oka_grant,
    )
    _decision(
        item,
        "EUR 200.000 voor activiteiten van het akkoord.",
        Decimal("200000.00"),
        grant=cast.oka_grant,
    )
    _decision(
        item,
        "Dekking uit EUR 1.034.000 onbestede OAB-middelen over 2019-2022 (overgeheveld naar 2023-2026).",
        Decimal("1034000.00"),
        grant=cast.goab,
    )
    _action(
        signing,
        item,
        "Activiteitenplan van OBS De Vlonder voor het akkoordbudget indienen",
        due=cast.today + datetime.timedelta(days=5),
        status="in_progress",
        owner_user=cast.director,
        organisation="OBS De Vlonder",
        theme="ouderbetrokkenheid",
        schools=[cast.school],
        activities=[cast.tvt],
    )
    _action(
        signing,
        item,
        "Werkgroep samenwerking kindcentra starten en planning delen",
        due=cast.today - datetime.timedelta(days=12),
        owner_name="Manager",
        organisation="Kinderopvang Midden-Groningen",
        email="manager@kinderopvang-mg.example",
        theme="ve",
        activities=[cast.oka_activity],
    )
    _action(
        signing,
        item,
        "Voortgangsrapportage Onderwijskansenakkoord voor de raad opstellen",
        due=cast.today + datetime.timedelta(days=30),
        owner_user=cast.policy,
        organisation="Gemeente Midden-Groningen",
    )


def _lea_next_meeting(cast, lea):
    """The next LEA, three weeks ahead, with the open actions in its review block (carried
    over again on a later run)."""
    next_start = timezone.localtime().replace(
        hour=15, minute=0, second=0, microsecond=0
    ) + datetime.timedelta(days=21)
    upcoming = Meeting.objects.filter(series=lea, status=Meeting.Status.PLANNED).first()
    if upcoming is None:
        _meeting(
            cast.municipal,
            title="LEA Midden-Groningen – volgend overleg",
            starts_at=next_start,
            type=MeetingType.LEA,
            series=lea,
            chair=cast.chair,
            status=Meeting.Status.PLANNED,
            location="Gemeentehuis Hoogezand",
            participants=LEA_PARTICIPANTS,
            users=cast.portal_participants,
        )
    else:
        services.actions_carry_over(meeting=upcoming)


def _g4_consultation_2021(cast):
    """5 February 2021: the cast.regional G4 consultation on education recovery, four actions."""
    g4 = _meeting(
        cast.regional,
        title="G4-consultatie onderwijsherstel",
        starts_at=_at(2021, 2, 5, 10),
        type=MeetingType.BESTUURLIJK,
        chair=cast.coordinator,
        location="Online",
        participants=[
            ("Beleidsadviseur onderwijs", f"Gemeente {m.name}", "gemeente", "")
            for m in cast.municipalities
        ],
        minutes="Consultatie over de aanpak van onderwijsvertragingen door corona. Afgesproken acties hieronder.",
    )
    item = _item(g4, 10, "Aanpak onderwijsvertragingen: wat doen de gemeenten samen?")
    for description, organisation, due in [
        (
            "Per gemeente de inzet op onderwijsherstel en de betrokken partners in kaart brengen",
            "Gemeenten van de regio",
            datetime.date(2021, 3, 15),
        ),
        (
            "Gezamenlijke reactie aan het ministerie over de verdeling van de NPO-middelen",
            "Regiocoördinatie",
            datetime.date(2021, 3, 1),
        ),
        (
            "Met de samenwerkingsverbanden afstemmen over extra ondersteuning en thuiszitters",
            "Samenwerkingsverbanden PO en VO",
            datetime.date(2021, 4, 1),
        ),
        (
            "Kenniskring over de besteding van de NPO-middelen organiseren",
            "Regiocoördinatie",
            datetime.date(2021, 9, 14),
        ),
    ]:
        _action(
            g4,
            item,
            description,
            due=due,
            status="done",
            owner_name="Coördinator",
            organisation=organisation,
            email="regio@kenniskring-noord.example",
            owner_user=cast.coordinator if organisation == "Regiocoördinatie" else None,
        )


def _kenniskring_2021(cast):
    """14 September 2021: kenniskring Noord on NPO/SPUK questions, answered as decisions."""
    kk = _meeting(
        cast.regional,
        title="Kenniskring Noord – NPO en SPUK",
        starts_at=_at(2021, 9, 14, 13, 30),
        type=MeetingType.KENNISKRING,
        chair=cast.coordinator,
        location="Online",
        participants=[
            ("Beleidsadviseur onderwijs", f"Gemeente {m.name}", "gemeente", "")
            for m in cast.municipalities
        ],
        minutes="Vragen over de specifieke uitkering (SPUK) voor gemeenten uit het Nationaal Programma Onderwijs besproken.",
    )
    for order, (title, answer) in enumerate(
        [
            (
                "Mag de SPUK-uitkering naar huisvesting?",
                "Alleen in bestaande ruimten; geen nieuw- of tijdelijke bouw.",
            ),
            (
                "Hoe verantwoorden we de uitkering?",
                "Via SiSa per jaar; de eindverantwoording uiterlijk in de jaarrekening 2026.",
            ),
            (
                "Mogen gemeenten middelen onderling overdragen?",
                "Ja, gemeenten kunnen onderling afspraken maken; budget volgt waar leerlingen naar cast.school gaan.",
            ),
            (
                "Hoe verhoudt de gemeentelijke inzet zich tot de NPO-middelen van scholen?",
                "Aanvullend, niet concurrerend: afstemmen per cast.school en thema.",
            ),
            (
                "Wat is de bestedingstermijn?",
                "1 juli 2021 tot 31 juli 2023 (later verlengd tot 31 juli 2025).",
            ),
        ],
        start=1,
    ):
        item = _item(kk, order * 10, title)
        _decision(item, answer)


def _werksessie_2018(cast):
    """24 September 2018: the cast.regional werksessie's eight agreements, reviewed in December."""
    werk_series = _series(
        cast.regional,
        "Regionale werksessie onderwijs en jeugd",
        MeetingType.WERKSESSIE,
        cast.coordinator,
    )
    werk = _meeting(
        cast.regional,
        title="Regionale werksessie onderwijs en jeugd",
        starts_at=_at(2018, 9, 24, 13),
        type=MeetingType.WERKSESSIE,
        series=werk_series,
        chair=cast.coordinator,
        location="Regiokantoor",
        participants=[
            ("Beleidsadviseur onderwijs", "Gemeenten van de regio", "gemeente", ""),
            ("Directeur", "Samenwerkingsverband PO", "swv", "directeur@swv-po.example"),
            ("Directeur", "Samenwerkingsverband VO", "swv", "directeur@swv-vo.example"),
            ("Regiomanager", "Jeugdhulpregio", "jeugdhulp", "regiomanager@jeugdhulpregio.example"),
            (
                "Bestuurder",
                "Schoolbesturen PO en VO",
                "schoolbestuur",
                "bestuurders@scholen-regio.example",
            ),
        ],
        minutes="Werksessie over de aansluiting onderwijs-jeugdhulp. Acht afspraken gemaakt (zie actiepunten).",
    )
    item = _item(werk, 10, "Aansluiting onderwijs en jeugdhulp: afspraken")
    eight = [
        (
            "Inventarisatie lerarentekort bij de schoolbesturen",
            "Schoolbesturen PO en VO",
            "bestuurders@scholen-regio.example",
            "personeel",
        ),
        (
            "Casussen van bankzitters verzamelen en bespreken",
            "Samenwerkingsverband VO",
            "directeur@swv-vo.example",
            "thuiszitters",
        ),
        (
            "Visiesessie onderwijs-jeugd organiseren",
            "Regiocoördinatie",
            "regio@kenniskring-noord.example",
            "",
        ),
        (
            "Knelpunten leerlingenvervoer in kaart brengen",
            "Gemeenten van de regio",
            "leerlingenvervoer@regio.example",
            "",
        ),
        (
            "Wachtlijst jeugd-GGZ terugdringen: afspraken met aanbieders",
            "Jeugdhulpregio",
            "regiomanager@jeugdhulpregio.example",
            "zorg",
        ),
        (
            "Informatiebijeenkomst over een voorziening voor thuiszitters",
            "Samenwerkingsverband PO",
            "directeur@swv-po.example",
            "thuiszitters",
        ),
        (
            "Werkbezoeken aan scholen en jeugdhulpaanbieders plannen",
            "Regiocoördinatie",
            "regio@kenniskring-noord.example",
            "",
        ),
        (
            "Financiële transparantie: overzicht van de middelen onderwijs-jeugd",
            "Gemeenten van de regio",
            "financien@regio.example",
            "",
        ),
    ]
    actions = [
        _action(
            werk,
            item,
            description,
            due=datetime.date(2018, 12, 1),
            owner_name="Contactpersoon",
            organisation=organisation,
            email=email,
            theme=theme,
            owner_user=cast.coordinator if organisation == "Regiocoördinatie" else None,
        )
        for description, organisation, email, theme in eight
    ]
    follow_up = _meeting(
        cast.regional,
        title="Regionale werksessie onderwijs en jeugd – vervolg",
        starts_at=_at(2018, 12, 10, 13),
        type=MeetingType.WERKSESSIE,
        series=werk_series,
        chair=cast.coordinator,
        location="Regiokantoor",
        minutes="Voortgang van de acht afspraken uit de werksessie van 24 september 2018 besproken.",
    )
    outcomes = ["done", "in_progress", "done", "done", "in_progress", "done", "done", "in_progress"]
    notes = [
        "Inventarisatie gereed; tekort vooral in het PO.",
        "Eerste casussen besproken; vervolg met leerplicht.",
        "Visiesessie gehouden op 5 november.",
        "Knelpunten gedeeld met de vervoerder.",
        "Afspraken met twee aanbieders; wachtlijst nog te lang.",
        "Informatiebijeenkomst gehouden.",
        "Vier werkbezoeken afgelegd.",
        "Eerste overzicht gedeeld; uitsplitsing per gemeente volgt.",
    ]
    for action, status, note in zip(actions, outcomes, notes, strict=False):
        _review(follow_up, action, status, note, cast.coordinator)
