"""The meetings of the demo story (product.md, "Demo data"): Midden-Groningen's LEA series with
the Onderwijskansenakkoord as standing item (signed 19 June 2023), the G4 consultation of
5 February 2021 with its agreed actions, the kenniskring Noord meeting of 14 September 2021 on
NPO/SPUK questions, and the regional werksessie of 24 September 2018 with its eight actions,
followed up in the next werksessie. Organisations and roles only; addresses are .example.

Idempotent: every row is found by a natural key (tenant + title + start, meeting + title, ...)
and updated, so running the seed again changes nothing."""

import datetime
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


def seed(ctx):
    users = ctx.users
    mg = ctx.municipalities["GM1952"]
    policy, director, chair, coordinator = (
        users.get(POLICY),
        users.get(DIRECTOR),
        users.get(CHAIR),
        users.get(COORDINATOR),
    )
    school = School.objects.filter(code="91KA00").first()
    oka_activity = Activity.objects.filter(
        municipality=mg, code="OKA-SAMEN", owner_school__isnull=True
    ).first()
    tvt = Activity.objects.filter(municipality=mg, code="TVT", owner_school__isnull=True).first()
    oka_grant = Grant.objects.filter(municipality=mg, reference="OKA-2023").first()
    goab = Grant.objects.filter(municipality=mg, reference="GOAB-2023-2026").first()
    today = timezone.localdate()
    portal_participants = [
        (policy, "Gemeente Midden-Groningen", "gemeente"),
        (director, "OBS De Vlonder", "school"),
    ]

    # --- Midden-Groningen: the LEA series and the Onderwijskansenakkoord ---------------------
    municipal = {"municipality": mg, "region": None}
    lea = _series(
        municipal,
        "LEA Midden-Groningen",
        MeetingType.LEA,
        chair,
        standing=[
            (
                "Onderwijskansenakkoord: voortgang",
                "Vast agendapunt: stand van de afspraken uit het Onderwijskansenakkoord (EUR 100.000 samenwerking in "
                "kindcentra, EUR 200.000 activiteiten).",
            )
        ],
    )
    spring = _meeting(
        municipal,
        title="LEA Midden-Groningen – voorjaar 2023",
        starts_at=_at(2023, 3, 16, 15),
        type=MeetingType.LEA,
        series=lea,
        chair=chair,
        location="Gemeentehuis Hoogezand",
        participants=LEA_PARTICIPANTS,
        users=portal_participants,
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
        grants=[goab],
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
        owner_user=policy,
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

    signing = _meeting(
        municipal,
        title="LEA Midden-Groningen – ondertekening Onderwijskansenakkoord",
        starts_at=_at(2023, 6, 19, 15),
        type=MeetingType.LEA,
        series=lea,
        chair=chair,
        location="Gemeentehuis Hoogezand",
        participants=LEA_PARTICIPANTS,
        users=portal_participants,
        minutes="Het Onderwijskansenakkoord is door de gemeente, de schoolbesturen en de kinderopvang ondertekend. "
        "Het akkoord is vanaf nu een vast agendapunt van de LEA.",
    )
    _review(
        signing,
        inventory,
        "done",
        "Inventarisatie per kindcentrum gereed; besproken bij de ondertekening.",
        chair,
    )
    item = _item(
        signing,
        20,
        "Ondertekening Onderwijskansenakkoord",
        presenter="Wethouder onderwijs",
        activities=[oka_activity, tvt],
        grants=[oka_grant, goab],
    )
    _decision(
        item,
        "EUR 100.000 voor het versterken van de samenwerking in kindcentra.",
        Decimal("100000.00"),
        activity=oka_activity,
        grant=oka_grant,
    )
    _decision(
        item,
        "EUR 200.000 voor activiteiten van het akkoord.",
        Decimal("200000.00"),
        grant=oka_grant,
    )
    _decision(
        item,
        "Dekking uit EUR 1.034.000 onbestede OAB-middelen over 2019-2022 (overgeheveld naar 2023-2026).",
        Decimal("1034000.00"),
        grant=goab,
    )
    _action(
        signing,
        item,
        "Activiteitenplan van OBS De Vlonder voor het akkoordbudget indienen",
        due=today + datetime.timedelta(days=5),
        status="in_progress",
        owner_user=director,
        organisation="OBS De Vlonder",
        theme="ouderbetrokkenheid",
        schools=[school],
        activities=[tvt],
    )
    _action(
        signing,
        item,
        "Werkgroep samenwerking kindcentra starten en planning delen",
        due=today - datetime.timedelta(days=12),
        owner_name="Manager",
        organisation="Kinderopvang Midden-Groningen",
        email="manager@kinderopvang-mg.example",
        theme="ve",
        activities=[oka_activity],
    )
    _action(
        signing,
        item,
        "Voortgangsrapportage Onderwijskansenakkoord voor de raad opstellen",
        due=today + datetime.timedelta(days=30),
        owner_user=policy,
        organisation="Gemeente Midden-Groningen",
    )

    next_start = timezone.localtime().replace(
        hour=15, minute=0, second=0, microsecond=0
    ) + datetime.timedelta(days=21)
    upcoming = Meeting.objects.filter(series=lea, status=Meeting.Status.PLANNED).first()
    if upcoming is None:
        _meeting(
            municipal,
            title="LEA Midden-Groningen – volgend overleg",
            starts_at=next_start,
            type=MeetingType.LEA,
            series=lea,
            chair=chair,
            status=Meeting.Status.PLANNED,
            location="Gemeentehuis Hoogezand",
            participants=LEA_PARTICIPANTS,
            users=portal_participants,
        )
    else:
        services.actions_carry_over(meeting=upcoming)

    # --- the region: G4 consultation, kenniskring Noord, werksessie ---------------------------
    regional = {"municipality": None, "region": ctx.region}
    g4 = _meeting(
        regional,
        title="G4-consultatie onderwijsherstel",
        starts_at=_at(2021, 2, 5, 10),
        type=MeetingType.BESTUURLIJK,
        chair=coordinator,
        location="Online",
        participants=[
            ("Beleidsadviseur onderwijs", f"Gemeente {m.name}", "gemeente", "")
            for m in ctx.municipalities.values()
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
            owner_user=coordinator if organisation == "Regiocoördinatie" else None,
        )

    kk = _meeting(
        regional,
        title="Kenniskring Noord – NPO en SPUK",
        starts_at=_at(2021, 9, 14, 13, 30),
        type=MeetingType.KENNISKRING,
        chair=coordinator,
        location="Online",
        participants=[
            ("Beleidsadviseur onderwijs", f"Gemeente {m.name}", "gemeente", "")
            for m in ctx.municipalities.values()
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
                "Ja, gemeenten kunnen onderling afspraken maken; budget volgt waar leerlingen naar school gaan.",
            ),
            (
                "Hoe verhoudt de gemeentelijke inzet zich tot de NPO-middelen van scholen?",
                "Aanvullend, niet concurrerend: afstemmen per school en thema.",
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

    werk_series = _series(
        regional, "Regionale werksessie onderwijs en jeugd", MeetingType.WERKSESSIE, coordinator
    )
    werk = _meeting(
        regional,
        title="Regionale werksessie onderwijs en jeugd",
        starts_at=_at(2018, 9, 24, 13),
        type=MeetingType.WERKSESSIE,
        series=werk_series,
        chair=coordinator,
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
            owner_user=coordinator if organisation == "Regiocoördinatie" else None,
        )
        for description, organisation, email, theme in eight
    ]
    follow_up = _meeting(
        regional,
        title="Regionale werksessie onderwijs en jeugd – vervolg",
        starts_at=_at(2018, 12, 10, 13),
        type=MeetingType.WERKSESSIE,
        series=werk_series,
        chair=coordinator,
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
        _review(follow_up, action, status, note, coordinator)
    ctx.log(
        f"Overleg: {Meeting.objects.count()} overleggen, {ActionItem.objects.count()} actiepunten, "
        f"{ActionReview.objects.count()} besprekingen."
    )
