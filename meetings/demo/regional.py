"""The region's meetings: the G4 consultation (5 February 2021), kenniskring Noord on NPO/SPUK
(14 September 2021) and the werksessie of 24 September 2018 with its follow-up."""

import datetime

from ..models import (
    MeetingType,
)
from . import build


def g4_consultation_2021(cast):
    """5 February 2021: the regional G4 consultation on education recovery, four actions."""
    g4 = build.meeting(
        cast.regional,
        title="G4-consultatie onderwijsherstel",
        starts_at=build.at(2021, 2, 5, 10),
        type=MeetingType.BESTUURLIJK,
        chair=cast.coordinator,
        location="Online",
        participants=[
            ("Beleidsadviseur onderwijs", f"Gemeente {m.name}", "gemeente", "")
            for m in cast.municipalities
        ],
        minutes="Consultatie over de aanpak van onderwijsvertragingen door corona. Afgesproken acties hieronder.",
    )
    item = build.item(g4, 10, "Aanpak onderwijsvertragingen: wat doen de gemeenten samen?")
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
        build.action(
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


def kenniskring_2021(cast):
    """14 September 2021: kenniskring Noord on NPO/SPUK questions, answered as decisions."""
    kk = build.meeting(
        cast.regional,
        title="Kenniskring Noord – NPO en SPUK",
        starts_at=build.at(2021, 9, 14, 13, 30),
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
        item = build.item(kk, order * 10, title)
        build.decision(item, answer)


def werksessie_2018(cast):
    """24 September 2018: the regional werksessie's eight agreements, reviewed in December."""
    werk_series = build.series(
        cast.regional,
        "Regionale werksessie onderwijs en jeugd",
        MeetingType.WERKSESSIE,
        cast.coordinator,
    )
    werk = build.meeting(
        cast.regional,
        title="Regionale werksessie onderwijs en jeugd",
        starts_at=build.at(2018, 9, 24, 13),
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
    item = build.item(werk, 10, "Aansluiting onderwijs en jeugdhulp: afspraken")
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
        build.action(
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
    follow_up = build.meeting(
        cast.regional,
        title="Regionale werksessie onderwijs en jeugd – vervolg",
        starts_at=build.at(2018, 12, 10, 13),
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
        build.review(follow_up, action, status, note, cast.coordinator)
