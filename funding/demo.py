"""The funding part of the demo story (product.md, seed documents).

Midden-Groningen: the sample files of portal/demo_data (GOAB 2019-2022 and 2023-2026 with
EUR 1.034.000 carried over, the NPO-GEM grant, the own-budget grant OKA-2023 for the
Onderwijskansenakkoord, kind-ouder-ondersteuners, Tijd voor Toekomst ...), the akkoord's
EUR 200.000 activities next to the EUR 100.000 cooperation in kindcentra, and expenditures that
make every financial rule (F1-F8) fire at least once. Eemsdelta gets a small set with the
opposite NPO/GOAB balance, so the regional comparison per pupil shows two municipalities.
Idempotent: imports upsert by natural key, the rest is update_or_create.
"""

import datetime as dt
from decimal import Decimal

from portal.demo import DATA_DIR
from schools import services as scan_services
from schools.models import Scan, School

from .models import Activity, Expenditure, FundingLine, FundingStream, Grant, normalise_key
from .services.activities import ActivityImporter
from .services.checks import checks_run
from .services.expenditure_import import ExpenditureImporter
from .services.grants import GrantImporter
from .services.interventions import scan_intervention_save

D = dt.date

# Pupil counts for schools that have none yet (the schools part may import real ones first):
# from schoolweging.csv for Midden-Groningen, demo values for Eemsdelta.
PUPILS = {
    "91KA00": 212,
    "91KA01": 88,
    "92LB00": 175,
    "93MC00": 240,
    "94ND00": 156,
    "95PE00": 186,
    "96QF00": 143,
}

# (booking, grant, date, amount, supplier, invoice, description, school, category, months, new construction)
STORY_LINES = [
    # F2: one invoice of the welfare partner split over GOAB and the own budget
    (
        "2023-000210",
        "GOAB-2023-2026",
        D(2023, 11, 3),
        "6000.00",
        "Kwartier voor Welzijn",
        "KW-2023-090",
        "Ouderavonden kindcentra (deel GOAB)",
        None,
        "personeel",
        None,
        False,
    ),
    (
        "2023-000211",
        "OKA-2023",
        D(2023, 11, 3),
        "4000.00",
        "Kwartier voor Welzijn",
        "KW/2023/090",
        "Ouderavonden kindcentra (deel akkoord)",
        None,
        "personeel",
        None,
        False,
    ),
    # F3: a 2022 VVE training invoice booked on the old GOAB grant after its window closed
    (
        "2023-000015",
        "GOAB-2019-2022",
        D(2023, 2, 10),
        "3450.00",
        "Opleidingscentrum Noord",
        "ON-22-311",
        "Scholing pedagogisch beleidsmedewerkers 2022 (laat gefactureerd)",
        None,
        "personeel",
        None,
        False,
    ),
    # F4: GOAB (VE, BO, SBO) charged for a special-education school (SO)
    (
        "2023-000188",
        "GOAB-2023-2026",
        D(2023, 10, 16),
        "2800.00",
        "Logopediepraktijk Hoogezand",
        "LH-2023-58",
        "Taalondersteuning SO De Zonnehoek",
        "98SH00",
        "inhuur",
        None,
        False,
    ),
    # F5: the summer-school budget of the own means overspent
    (
        "2024-000301",
        "ZOMERSCHOOL-2024",
        D(2024, 7, 15),
        "14200.00",
        "Bibliotheek Midden-Groningen",
        "BMG-24-0715",
        "Zomerschool 2024 week 1-2",
        None,
        "inhuur",
        None,
        False,
    ),
    (
        "2024-000302",
        "ZOMERSCHOOL-2024",
        D(2024, 8, 5),
        "9250.00",
        "Bibliotheek Midden-Groningen",
        "BMG-24-0805",
        "Zomerschool 2024 week 3",
        None,
        "inhuur",
        None,
        False,
    ),
    # F6 near miss: laptops written off past the window, but the accountant signed the line off
    (
        "2023-000199",
        "SPUK-NPO-2021",
        D(2023, 11, 20),
        "11980.00",
        "ICT Noord BV",
        "IN-23-1120",
        "Laptops voor de bijlesgroepen",
        "92LB00",
        "ict",
        48,
        False,
    ),
]

OKA_ACTIVITY = {
    "code": "OKA-ACT",
    "name": "Activiteiten Onderwijskansenakkoord",
    "themes": ["taal", "ouderbetrokkenheid", "ve"],
    "sectors": ["VE", "BO"],
    "start": D(2023, 6, 19),
    "end": D(2026, 12, 31),
    "planned_cost": Decimal("200000.00"),
    "partner": "Kindcentra Midden-Groningen",
}


def _ensure_schools(ctx):
    gm1952 = ctx.municipalities["GM1952"]
    # SO De Zonnehoek (DUO new layout): the schools part may have imported it already.
    School.objects.get_or_create(
        code="98SH00",
        defaults={
            "municipality": gm1952,
            "name": "SO De Zonnehoek",
            "sector": "SO",
            "board_number": "43111",
            "city": "Hoogezand",
        },
    )
    for code, pupils in PUPILS.items():
        School.objects.filter(code=code, pupil_count__isnull=True).update(pupil_count=pupils)


def _import(importer, name, ctx):
    result = importer.run((DATA_DIR / name).read_bytes(), filename=name)
    if not result.ok:
        raise RuntimeError(f"{name}: {result.error_lines()}")
    ctx.log(f"Financiering: {name}: {result.summary}")


def _school_interventions(ctx):
    """The schools' own interventions, chosen in the two scans schools.demo left as drafts for
    them; then those scans go to the municipality. Played out once: a draft without
    interventions is one schools.demo has just created."""
    director = ctx.users.get("directeur@devlonder.example")
    officer = ctx.users.get("beleid@midden-groningen.example")
    npo_school = FundingStream.objects.get(code="NPO-SCHOOL")
    draft = Scan.Status.DRAFT
    vlonder = Scan.objects.filter(
        school__code="91KA00", school_year="2023-2024", status=draft
    ).first()
    if vlonder is not None and not vlonder.interventions.exists():
        scan_intervention_save(
            actor=director,
            scan=vlonder,
            code="SPORT-NPO",
            name="Extra sport en bewegen",
            menukaart="C",
            themes=["sport"],
            stream=npo_school,
            start=D(2023, 8, 1),
            end=D(2024, 7, 31),
            planned_cost=Decimal("24000.00"),
        )
        scan_services.scan_submit(actor=director, scan=vlonder)
    # An earlier year of Het Kompas: its reading intervention (code as in activities.csv).
    kompas = Scan.objects.filter(
        school__code="92LB00", school_year="2021-2022", status=draft
    ).first()
    if kompas is not None and not kompas.interventions.exists():
        scan_intervention_save(
            actor=None,
            scan=kompas,
            code="LEZEN",
            name="Begrijpend lezen in kleine groepen",
            menukaart="B",
            themes=["taal"],
            stream=npo_school,
            start=D(2021, 8, 1),
            end=D(2022, 7, 31),
            planned_cost=Decimal("31000.00"),
        )
        scan_services.scan_submit(actor=None, scan=kompas)
        scan_services.scan_review(actor=officer, scan=kompas)


def seed(ctx):
    _ensure_schools(ctx)
    _school_interventions(ctx)
    gm1952, gm1979 = ctx.municipalities["GM1952"], ctx.municipalities["GM1979"]
    streams = {s.code: s for s in FundingStream.objects.all()}
    _import(GrantImporter(), "grants.csv", ctx)
    _import(ActivityImporter(), "activities.csv", ctx)
    _import(ExpenditureImporter(), "expenditures.csv", ctx)

    Grant.objects.update_or_create(
        municipality=gm1952,
        reference="ZOMERSCHOOL-2024",
        defaults={
            "stream": streams["EIGEN"],
            "window_start": D(2024, 5, 1),
            "window_end": D(2024, 12, 31),
            "amount": Decimal("20000.00"),
            "notes": "Eigen middelen voor de zomerschool 2024.",
        },
    )
    oka = Grant.objects.get(municipality=gm1952, reference="OKA-2023")
    if not oka.notes:
        Grant.objects.filter(pk=oka.pk).update(
            notes="Onderwijskansenakkoord: EUR 100.000 samenwerking in kindcentra en "
            "EUR 200.000 activiteiten, gedekt uit het onbestede OAB-geld 2019-2022."
        )
    activity, _ = Activity.objects.update_or_create(
        municipality=gm1952,
        owner_school=None,
        code=OKA_ACTIVITY["code"],
        defaults={k: v for k, v in OKA_ACTIVITY.items() if k != "code"},
    )
    FundingLine.objects.update_or_create(
        activity=activity, stream=streams["EIGEN"], defaults={"amount": Decimal("200000.00")}
    )

    grants = {g.reference: g for g in Grant.objects.filter(municipality=gm1952)}
    schools = {s.code: s for s in School.objects.filter(municipality=gm1952)}
    accountant = ctx.users.get("accountant@midden-groningen.example")
    for (
        booking,
        ref,
        day,
        amount,
        supplier,
        invoice,
        description,
        school,
        category,
        months,
        new,
    ) in STORY_LINES:
        signed = booking == "2023-000199" and accountant is not None
        Expenditure.objects.update_or_create(
            municipality=gm1952,
            booking_id=booking,
            defaults={
                "grant": grants[ref],
                "date": day,
                "amount": Decimal(amount),
                "supplier": supplier,
                "invoice_number": invoice,
                "supplier_key": normalise_key(supplier),
                "invoice_key": normalise_key(invoice),
                "description": description,
                "school": schools.get(school) if school else None,
                "cost_category": category,
                "depreciation_months": months,
                "new_construction": new,
                "signed_off_by": accountant if signed else None,
                "signed_off_at": dt.datetime(2024, 3, 12, 10, 0, tzinfo=dt.UTC) if signed else None,
            },
        )

    # Eemsdelta: four times as much NPO as GOAB money (Midden-Groningen: the other way round).
    for ref, code, start, end, amount in [
        ("ED-SPUK-NPO-2021", "NPO-GEM", None, None, "1640000.00"),
        ("ED-GOAB-2023-2026", "GOAB", D(2023, 1, 1), D(2026, 12, 31), "410000.00"),
    ]:
        stream = streams[code]
        Grant.objects.update_or_create(
            municipality=gm1979,
            reference=ref,
            defaults={
                "stream": stream,
                "window_start": start or stream.window_start,
                "window_end": end or stream.window_end,
                "amount": Decimal(amount),
            },
        )
    npo = Grant.objects.get(municipality=gm1979, reference="ED-SPUK-NPO-2021")
    for booking, day, amount, supplier, invoice, description in [
        (
            "ED-2022-0041",
            D(2022, 3, 14),
            "48500.00",
            "Huiswerkinstituut Delfzijl",
            "HD-22-14",
            "Bijlesprogramma voorjaar 2022",
        ),
        (
            "ED-2023-0102",
            D(2023, 5, 2),
            "26300.00",
            "Sportbedrijf Eemsdelta",
            "SE-2023-051",
            "Naschools sportaanbod",
        ),
    ]:
        Expenditure.objects.update_or_create(
            municipality=gm1979,
            booking_id=booking,
            defaults={
                "grant": npo,
                "date": day,
                "amount": Decimal(amount),
                "supplier": supplier,
                "invoice_number": invoice,
                "supplier_key": normalise_key(supplier),
                "invoice_key": normalise_key(invoice),
                "description": description,
            },
        )
    for m in (gm1952, gm1979):
        result = checks_run(municipality=m, full=True)
        ctx.log(
            f"Controles {m.code}: {result.findings} bevindingen ({', '.join(f'{r} {n}' for r, n in result.per_rule.items() if n)})."
        )
