"""The schools part of the demo story: the DUO files and the schoolweging imported with the
real importers, and Midden-Groningen's school scans for 2023-2024 in every workflow state,
with needs (portal/demo_data/needs.csv) some of which the municipal activities cover and some
they leave open. The two scans with a school intervention (De Vlonder 2023-2024, Het Kompas
2021-2022) stay drafts here: the interventions are funding's, so funding.demo adds them and
then submits those scans.

Idempotent: the imports upsert by natural key, and a scan's workflow is only played out when
the scan is first created."""

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from portal.demo import ACCOUNTS, DATA_DIR
from portal.imports import ImportFileError
from portal.models import Role

from . import services
from .directors import director_membership
from .imports.duo import SchoolImporter
from .imports.needs import NeedImporter
from .imports.weights import SchoolWeightImporter
from .models import Scan, School

SCHOOL_YEAR = "2023-2024"

# A one-page PDF: enough for the document list and download to be real.
_DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _run(importer, filename):
    with open(DATA_DIR / filename, "rb") as file:
        result = importer.run(file, filename=filename)
    if not result.ok:
        raise ImportFileError(f"{filename}: " + "; ".join(result.error_lines()))
    return result


def seed(ctx):
    _run(SchoolImporter(sector="BO"), "duo_vestigingen_classic.csv")
    _run(SchoolImporter(), "duo_vestigingen_new.csv")
    _run(SchoolWeightImporter(school_year=SCHOOL_YEAR), "schoolweging.csv")
    for email, role, where, _name in ACCOUNTS:
        if role == Role.SCHOOL_DIRECTOR:
            director_membership(user=ctx.users[email], school=School.objects.get(code=where))

    director = ctx.users.get("directeur@devlonder.example")
    officer = ctx.users.get("beleid@midden-groningen.example")
    municipality = ctx.municipalities["GM1952"]
    schools = {s.code: s for s in School.objects.filter(municipality=municipality)}

    # Scans start as the schools' own drafts; the needs come from the sample file.
    created = {}
    for code in ["91KA00", "92LB00", "93MC00", "94ND00"]:
        scan = Scan.objects.filter(school=schools[code], school_year=SCHOOL_YEAR).first()
        if scan is None:
            actor = director if code == "91KA00" else None
            created[code] = services.scan_create(
                actor=actor, school=schools[code], school_year=SCHOOL_YEAR
            )
    _run(NeedImporter(), "needs.csv")
    # Two schools also report a need nothing funds yet (care in the school): a gap the checks
    # find (G1) and the gap view groups as a candidate for one joint activity.
    for code, severity, share in [("91KA00", "severe", "12"), ("92LB00", "moderate", "8")]:
        if code in created:
            needs = {n.theme: services.NeedEntry.of(n) for n in created[code].needs.all()}
            needs["zorg"] = services.NeedEntry(severity=severity, share_of_pupils=Decimal(share))
            services.scan_needs_save(actor=None, scan=created[code], needs=needs)

    if "91KA00" in created:  # the scan document; funding.demo adds its intervention and submits
        scan = created["91KA00"]
        upload = SimpleUploadedFile(
            "Schoolscan De Vlonder 2023-2024.pdf", _DEMO_PDF, content_type="application/pdf"
        )
        services.scan_document_upload(actor=director, scan=scan, upload=upload)
    if "92LB00" in created:  # submitted and reviewed
        services.scan_submit(actor=None, scan=created["92LB00"])
        services.scan_review(
            actor=officer,
            scan=created["92LB00"],
            comment="Duidelijk. Taal nemen we mee in de LEA over de zomerschool.",
        )
    if "93MC00" in created:  # returned with a comment: back to draft
        services.scan_submit(actor=None, scan=created["93MC00"])
        services.scan_return(
            actor=officer,
            scan=created["93MC00"],
            comment="Graag het aandeel leerlingen bij zorg toelichten en het scandocument toevoegen.",
        )
    # 94ND00 stays a draft the municipality does not see yet.

    # An earlier year of Het Kompas: its reading intervention (code as in activities.csv).
    if not Scan.objects.filter(school=schools["92LB00"], school_year="2021-2022").exists():
        scan = services.scan_create(actor=None, school=schools["92LB00"], school_year="2021-2022")
        services.scan_needs_save(
            actor=None,
            scan=scan,
            needs={
                "taal": services.NeedEntry(severity="severe", share_of_pupils=Decimal("30")),
                "rekenen": services.NeedEntry(severity="limited", share_of_pupils=Decimal("12")),
            },
        )
        # funding.demo adds its reading intervention, then submits it and has it reviewed.
    ctx.log(
        f"Scholen: {len(schools)} in Midden-Groningen; scans {SCHOOL_YEAR}: ingediend, beoordeeld, "
        "teruggestuurd en concept."
    )
