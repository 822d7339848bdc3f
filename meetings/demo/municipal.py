"""Midden-Groningen's LEA: the Onderwijskansenakkoord from draft (spring 2023) to signing
(19 June 2023) and the next meeting."""

import datetime
from decimal import Decimal

from django.utils import timezone

from .. import services
from ..models import (
    Meeting,
    MeetingType,
)
from . import build
from .build import LEA_PARTICIPANTS


def lea_series(cast):
    """Midden-Groningen's LEA, with the Onderwijskansenakkoord as standing item."""
    return build.series(
        cast.municipal,
        "LEA Midden-Groningen",
        MeetingType.LEA,
        cast.chair,
        standing=[
            (
                "Onderwijskansenakkoord: voortgang",
                "Vast agendapunt: stand van de afspraken uit het Onderwijskansenakkoord (€ 100.000 samenwerking in "
                "kindcentra, € 200.000 activiteiten).",
            )
        ],
    )


def lea_spring_2023(cast, lea):
    """March 2023: the draft akkoord; two actions, one still open at the signing."""
    spring = build.meeting(
        cast.municipal,
        title="LEA Midden-Groningen – voorjaar 2023",
        starts_at=build.at(2023, 3, 16, 15),
        type=MeetingType.LEA,
        series=lea,
        chair=cast.chair,
        location="Gemeentehuis Hoogezand",
        participants=LEA_PARTICIPANTS,
        users=cast.portal_participants,
        minutes="Het concept-Onderwijskansenakkoord is besproken. De partners steunen de inzet op samenwerking in "
        "kindcentra en een activiteitenbudget. Dekking uit de onbestede OAB-middelen 2019-2022 (€ 1.034.000).",
    )
    item = build.item(
        spring,
        20,
        "Concept Onderwijskansenakkoord",
        "Voorstel: € 100.000 voor het versterken van de samenwerking in kindcentra en € 200.000 voor activiteiten "
        "van het akkoord, te dekken uit € 1.034.000 onbestede OAB-middelen over 2019-2022.",
        presenter="Beleidsmedewerker onderwijs",
        grants=[cast.goab],
    )
    build.decision(
        item,
        "Het concept-akkoord wordt uitgewerkt tot een definitieve tekst; ondertekening in de LEA van 19 juni 2023.",
    )
    build.action(
        spring,
        item,
        "Akkoordtekst afstemmen met de schoolbesturen en de kinderopvang",
        due=datetime.date(2023, 5, 15),
        status="done",
        owner_user=cast.policy,
        organisation="Gemeente Midden-Groningen",
        theme="ve",
    )
    inventory = build.action(
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


def lea_signing_2023(cast, lea, inventory):
    """19 June 2023: the akkoord signed, its money decided, and the actions that follow."""
    signing = build.meeting(
        cast.municipal,
        title="LEA Midden-Groningen – ondertekening Onderwijskansenakkoord",
        starts_at=build.at(2023, 6, 19, 15),
        type=MeetingType.LEA,
        series=lea,
        chair=cast.chair,
        location="Gemeentehuis Hoogezand",
        participants=LEA_PARTICIPANTS,
        users=cast.portal_participants,
        minutes="Het Onderwijskansenakkoord is door de gemeente, de schoolbesturen en de kinderopvang ondertekend. "
        "Het akkoord is vanaf nu een vast agendapunt van de LEA.",
    )
    build.review(
        signing,
        inventory,
        "done",
        "Inventarisatie per kindcentrum gereed; besproken bij de ondertekening.",
        cast.chair,
    )
    item = build.item(
        signing,
        20,
        "Ondertekening Onderwijskansenakkoord",
        presenter="Wethouder onderwijs",
        activities=[cast.oka_activity, cast.tvt],
        grants=[cast.oka_grant, cast.goab],
    )
    build.decision(
        item,
        "€ 100.000 voor het versterken van de samenwerking in kindcentra.",
        Decimal("100000.00"),
        activity=cast.oka_activity,
        grant=cast.oka_grant,
    )
    build.decision(
        item,
        "€ 200.000 voor activiteiten van het akkoord.",
        Decimal("200000.00"),
        grant=cast.oka_grant,
    )
    build.decision(
        item,
        "Dekking uit € 1.034.000 onbestede OAB-middelen over 2019-2022 (overgeheveld naar 2023-2026).",
        Decimal("1034000.00"),
        grant=cast.goab,
    )
    build.action(
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
    build.action(
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
    build.action(
        signing,
        item,
        "Voortgangsrapportage Onderwijskansenakkoord voor de raad opstellen",
        due=cast.today + datetime.timedelta(days=30),
        owner_user=cast.policy,
        organisation="Gemeente Midden-Groningen",
    )


def lea_next_meeting(cast, lea):
    """The next LEA, three weeks ahead, with the open actions in its review block (carried
    over again on a later run)."""
    next_start = timezone.localtime().replace(
        hour=15, minute=0, second=0, microsecond=0
    ) + datetime.timedelta(days=21)
    upcoming = Meeting.objects.filter(series=lea, status=Meeting.Status.PLANNED).first()
    if upcoming is None:
        build.meeting(
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
