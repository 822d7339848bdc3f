"""The funding streams the portal ships, as they were when this migration was written.

The data is frozen here, not imported from ``funding.streams``: a migration must keep doing
what it did when it was written, whatever the live module says later. The GOAB carry-over cap
came with its field in 0007_f8_carry_over_cap."""

from datetime import date

from django.db import migrations

STREAMS = [
    {
        "code": "NPO-GEM",
        "name": "SPUK inhalen COVID-19-gerelateerde onderwijsvertragingen",
        "regulation": "Regeling specifieke uitkering inhalen COVID-19-gerelateerde onderwijsvertragingen (Stcrt. 2021, 42927)",
        "paid_to": "municipality",
        "window_start": date(2021, 7, 1),
        "window_end": date(2025, 7, 31),
        "eligible_sectors": ["VE", "BO", "SBO", "SO", "VSO", "VO"],
        "new_construction_allowed": False,
        "sisa_code": "",
        "notes": "Aanvullend op het schoolgeld; huisvesting alleen in bestaande ruimten (geen nieuwe of tijdelijke gebouwen). "
        "Termijn verlengd van 31-07-2023 tot 31-07-2025; eindverantwoording via SiSa uiterlijk in de jaarrekening 2026.",
    },
    {
        "code": "NPO-SCHOOL",
        "name": "NPO-bekostiging scholen",
        "regulation": "Nationaal Programma Onderwijs, aanvullende bekostiging scholen",
        "paid_to": "school_board",
        "window_start": date(2021, 8, 1),
        "window_end": date(2025, 7, 31),
        "eligible_sectors": ["BO", "SBO", "SO", "VSO", "VO"],
        "new_construction_allowed": True,
        "sisa_code": "",
        "notes": "Alleen interventies van de NPO-menukaart.",
    },
    {
        "code": "GOAB",
        "name": "Specifieke uitkering onderwijsachterstandenbeleid",
        "regulation": "Besluit specifieke uitkering onderwijsachterstandenbeleid (GOAB)",
        "paid_to": "municipality",
        "window_start": None,
        "window_end": None,
        "eligible_sectors": ["VE", "BO", "SBO"],
        "new_construction_allowed": True,
        "sisa_code": "OCW/D8",
        "notes": "Termijnen per beschikking: 2019-2022 en 2023-2026. Verplicht eerst: 960 uur VE, pedagogisch "
        "beleidsmedewerker, resultaatafspraken. Ten hoogste 50% van het budget 2022 mag door naar 2023-2026.",
    },
    {
        "code": "IOP",
        "name": "Subsidieregeling inhaal- en ondersteuningsprogramma's",
        "regulation": "Subsidieregeling inhaal- en ondersteuningsprogramma's onderwijs COVID-19",
        "paid_to": "school_board",
        "window_start": date(2020, 6, 1),
        "window_end": date(2021, 12, 31),
        "eligible_sectors": ["VE", "BO", "SBO", "SO", "VSO", "VO"],
        "new_construction_allowed": True,
        "sisa_code": "",
        "notes": "Buiten de reguliere lestijd.",
    },
    {
        "code": "EHK",
        "name": "Extra hulp voor de klas",
        "regulation": "Subsidieregeling extra hulp voor de klas COVID-19",
        "paid_to": "school_board",
        "window_start": date(2021, 1, 1),
        "window_end": date(2021, 12, 31),
        "eligible_sectors": ["BO", "SBO", "SO", "VSO", "VO"],
        "new_construction_allowed": True,
        "sisa_code": "",
        "notes": "",
    },
    {
        "code": "EIGEN",
        "name": "Eigen middelen gemeente",
        "regulation": "Gemeentelijke begroting (bijvoorbeeld het Onderwijskansenakkoord)",
        "paid_to": "municipality",
        "window_start": None,
        "window_end": None,
        "eligible_sectors": [],
        "new_construction_allowed": True,
        "sisa_code": "",
        "notes": "Geen vaste termijn.",
    },
]


def load(apps, schema_editor):
    """Create missing streams; never overwrite what staff changed since."""
    FundingStream = apps.get_model("funding", "FundingStream")
    for data in STREAMS:
        FundingStream.objects.get_or_create(
            code=data["code"], defaults={k: v for k, v in data.items() if k != "code"}
        )


class Migration(migrations.Migration):
    dependencies = [("funding", "0002_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
