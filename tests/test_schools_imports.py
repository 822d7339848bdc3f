"""The schools app's imports: DUO locations (both layouts), the schoolweging file and scan
needs, on the command line and in the browser (upload -> preview -> confirm)."""

import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django_scopes import scopes_disabled

from portal import tasks as portal_tasks
from portal.cbs import MUNICIPALITIES_FILE, parse_municipalities
from portal.imports import jobs as import_jobs
from portal.models import AuditEvent, ImportJob, Municipality, Role
from schools.imports.duo import SchoolImporter
from schools.imports.needs import NeedImporter
from schools.imports.weights import SchoolWeightImporter
from schools.models import Need, Scan, School, SchoolWeight

from . import factories as f

DATA = Path(__file__).resolve().parent.parent / "portal" / "demo_data"
CBS_CODES = sorted(
    code for code, _name, _province in parse_municipalities(MUNICIPALITIES_FILE.read_bytes())
)

pytestmark = pytest.mark.django_db


def run(importer, data, **kwargs):
    return importer.run(data, **kwargs)


def schools():
    with scopes_disabled():
        return {s.code: s for s in School.objects.select_related("municipality")}


def test_classic_duo_layout_imports_as_downloaded():
    result = run(SchoolImporter(sector="BO"), (DATA / "duo_vestigingen_classic.csv").read_bytes())
    assert result.ok, result.error_lines()
    assert (result.created, result.updated, result.unchanged) == (7, 0, 0)
    vlonder = schools()["91KA00"]
    assert vlonder.name == "OBS De Vlonder"
    assert vlonder.municipality.code == "GM1952"
    assert (vlonder.board_number, vlonder.sector, vlonder.city, vlonder.postcode) == (
        "41234",
        "BO",
        "Hoogezand",
        "9601 AB",
    )
    # Unknown municipalities are created from GEMEENTENUMMER + GEMEENTENAAM.
    assert Municipality.objects.get(code="GM1979").name == "Eemsdelta"


def test_new_duo_layout_imports_with_sector_from_soort_po_and_small_counts():
    result = run(SchoolImporter(), (DATA / "duo_vestigingen_new.csv").read_bytes())
    assert result.ok, result.error_lines()
    stored = schools()
    assert stored["97RG00"].sector == "SBO" and stored["97RG00"].pupil_count == 84
    # VESTIGINGSCODE "00" is completed with the BRIN; "<5" is a suppressed count, not a number.
    assert stored["98SH00"].sector == "SO" and stored["98SH00"].pupil_count is None
    assert stored["99TJ00"].municipality.code == "GM1979"


@pytest.mark.parametrize(
    "filename, sector", [("duo_vestigingen_classic.csv", "BO"), ("duo_vestigingen_new.csv", None)]
)
def test_importing_the_same_file_twice_changes_nothing(filename, sector):
    data = (DATA / filename).read_bytes()
    run(SchoolImporter(sector=sector), data)
    before = {code: vars(s).copy() for code, s in schools().items()}
    again = run(SchoolImporter(sector=sector), data)
    assert (again.created, again.updated) == (0, 0) and again.unchanged == len(before)
    after = {code: vars(s).copy() for code, s in schools().items()}
    for values in (*before.values(), *after.values()):
        values.pop("_state"), values.pop("_municipality_cache", None)
    assert before == after


def test_new_layout_after_classic_keeps_the_address():
    run(SchoolImporter(sector="BO"), (DATA / "duo_vestigingen_classic.csv").read_bytes())
    data = (
        b"INSTELLINGSCODE;VESTIGINGSCODE;VESTIGINGSNAAM;GEMEENTENUMMER;SOORT_PO;AANTAL_LEERLINGEN\n"
        b"91KA;91KA00;OBS De Vlonder;1952;Bo;212\n"
    )
    assert run(SchoolImporter(), data).updated == 1
    vlonder = schools()["91KA00"]
    assert vlonder.pupil_count == 212 and vlonder.street == "Schoolstraat"


def test_a_file_with_one_bad_row_imports_nothing_and_names_the_row():
    data = (DATA / "duo_vestigingen_classic.csv").read_text().replace(",92LB,00,", ",92LB,0X,")
    result = run(SchoolImporter(sector="BO"), data.encode())
    assert not result.ok
    assert [str(e) for e in result.errors] == [
        'regel 4: VESTIGINGSNUMMER: "0X" is geen geldig vestigingsnummer (bijvoorbeeld 00)'
    ]
    assert schools() == {}


def test_classic_layout_without_sector_is_refused_for_new_schools():
    result = run(SchoolImporter(), (DATA / "duo_vestigingen_classic.csv").read_bytes())
    assert not result.ok
    assert str(result.errors[0]).startswith("regel 2: sector: sector onbekend")
    assert schools() == {}


def test_unknown_sector_codes_are_refused():
    data = b"INSTELLINGSCODE;VESTIGINGSCODE;VESTIGINGSNAAM;GEMEENTENUMMER;SOORT_PO\n97RG;00;De Brug;1952;Mbo\n"
    result = run(SchoolImporter(), data)
    assert [str(e) for e in result.errors] == [
        'regel 2: SOORT_PO: "Mbo" is geen bekende SOORT_PO (Bo, Sbo, So, Vso)'
    ]
    result = run(
        SchoolImporter(),
        b"BRIN NUMMER,VESTIGINGSNUMMER,VESTIGINGSNAAM,GEMEENTENUMMER,SECTOR\n97RG,00,De Brug,1952,HBO\n",
    )
    assert str(result.errors[0]).startswith('regel 2: SECTOR: "HBO" is geen geldige keuze')


def test_missing_columns_are_named():
    result = run(SchoolImporter(), b"BRIN NUMMER,VESTIGINGSNAAM\n91KA,De Vlonder\n")
    assert result.file_errors == ["ontbrekende kolommen: vestiging, gemeentenummer"]


def test_xlsx_with_thousands_of_empty_rows_and_a_formula_row():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(
        ["INSTELLINGSCODE", "VESTIGINGSCODE", "VESTIGINGSNAAM", "GEMEENTENUMMER", "SOORT_PO"]
    )
    sheet.append(["97RG", "00", "SBO De Brug", 1952, "Sbo"])
    sheet.cell(row=5000, column=1, value=None)
    sheet.cell(row=5001, column=3, value=" ")
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = run(SchoolImporter(), buffer.getvalue())
    assert result.ok, result.error_lines()
    assert len(result.rows) == 1

    formula = b'INSTELLINGSCODE;VESTIGINGSCODE;VESTIGINGSNAAM;GEMEENTENUMMER;SOORT_PO\n97RG;00;=HYPERLINK("x");1952;Sbo\n'
    result = run(SchoolImporter(), formula)
    assert [str(e) for e in result.errors] == [
        "regel 2: VESTIGINGSNAAM: formules worden niet geaccepteerd; plak de waarden (Plakken speciaal > Waarden)"
    ]


def test_municipal_import_of_a_national_file_skips_and_counts_other_municipalities(world):
    data = (DATA / "duo_vestigingen_classic.csv").read_text()
    # Another municipality's row may be invalid: it is not this municipality's business.
    data = data.replace(",96QF,00,", ",96QF,XX,")
    result = run(SchoolImporter(sector="BO", municipality=world.municipality), data.encode())
    assert result.ok, result.error_lines()
    assert result.notice_lines() == ["2 regels van andere gemeenten overgeslagen"]
    with scopes_disabled():
        assert set(
            School.objects.filter(municipality=world.municipality).values_list("code", flat=True)
        ) == {"91KA00", "91KA01", "92LB00", "93MC00", "94ND00"}
        assert not School.objects.filter(code="96QF00").exists()


def test_weights_file_by_location_code_and_by_brin_key():
    run(SchoolImporter(sector="BO"), (DATA / "duo_vestigingen_classic.csv").read_bytes())
    data = (DATA / "schoolweging.csv").read_bytes() + b"93MC|C1;27,9;241;4,9\n"
    data = data.replace(b"93MC00;27,8;240;4,9\n", b"")
    result = run(SchoolWeightImporter(school_year="2023-2024"), data)
    assert result.ok, result.error_lines()
    with scopes_disabled():
        weights = {
            w.school.code: (w.weight, w.pupil_count)
            for w in SchoolWeight.objects.select_related("school")
        }
    assert weights["91KA00"] == (Decimal("33.40"), 212)
    assert weights["93MC00"] == (Decimal("27.90"), 241)
    assert schools()["91KA00"].pupil_count == 212
    assert run(SchoolWeightImporter(school_year="2023-2024"), data).unchanged == len(weights)


def test_weights_of_schools_the_portal_does_not_hold_are_skipped_and_counted():
    run(SchoolImporter(sector="BO"), (DATA / "duo_vestigingen_classic.csv").read_bytes())
    result = run(
        SchoolWeightImporter(school_year="2023-2024"),
        b"OVT;schoolweging\n91KA00;33,4\n00XX00;30\n01XY|C1;30\n",
    )
    assert result.ok and result.created == 1
    assert result.notice_lines() == [
        "2 regels van scholen die niet in het portaal staan overgeslagen"
    ]


def test_a_bad_weight_row_names_the_files_column_and_lists_every_problem():
    run(SchoolImporter(sector="BO"), (DATA / "duo_vestigingen_classic.csv").read_bytes())
    result = run(
        SchoolWeightImporter(school_year="2023-2024"),
        b"OVT;Schoolweging;Aantal leerlingen\n91KA00;33,4;12\n91KAXX;abc;x\n",
    )
    assert [str(e) for e in result.errors] == [
        'regel 3: OVT: "91KAXX" is geen geldige locatiecode (bijvoorbeeld 12AB00)',
        'regel 3: Schoolweging: "abc" is geen geldig getal',
        'regel 3: Aantal leerlingen: "x" is geen geheel getal',
    ]
    with scopes_disabled():
        assert not SchoolWeight.objects.exists()


def test_brin_c_keys_number_locations_they_are_not_vestigingsnummers():
    """``18SS|C1``, ``18SS|C2``: two locations of one BRIN, not vestiging 00 and 01 twice."""
    with scopes_disabled():
        gm = f.MunicipalityFactory(code="GM1952", name="Midden-Groningen")
        for code in ("18SS00", "18SS01", "19TT00"):
            f.SchoolFactory(municipality=gm, code=code)
    data = b"OVT;schoolweging\n18SS|C1;31,2\n18SS|C2;29,9\n19TT|C1;25\n"
    result = run(SchoolWeightImporter(school_year="2023-2024"), data)
    assert result.ok, result.error_lines()
    # The BRIN with one location maps; the other is skipped and listed by its key.
    with scopes_disabled():
        assert dict(SchoolWeight.objects.values_list("school__code", "weight")) == {
            "19TT00": Decimal("25.00")
        }
    assert "18SS|C1, 18SS|C2" in " ".join(result.notice_lines())
    # With a location-code column the keys map to the locations the file names.
    data = b"OVT;vestigingscode;schoolweging\n18SS|C1;01;31,2\n18SS|C2;18SS00;29,9\n"
    result = run(SchoolWeightImporter(school_year="2023-2024"), data)
    assert result.ok and result.created == 2
    with scopes_disabled():
        assert SchoolWeight.objects.get(school__code="18SS01").weight == Decimal("31.20")
    # Two rows naming the same location: an error in the file's terms.
    data = b"OVT;vestigingscode;schoolweging\n18SS|C1;01;31,2\n18SS|C2;01;29,9\n"
    result = run(SchoolWeightImporter(school_year="2023-2024"), data)
    assert [str(e) for e in result.errors] == ["regel 3: OVT: komt al voor op regel 2"]


def test_needs_import_writes_scan_needs_and_is_idempotent():
    run(SchoolImporter(sector="BO"), (DATA / "duo_vestigingen_classic.csv").read_bytes())
    data = (DATA / "needs.csv").read_bytes()
    result = run(NeedImporter(), data)
    assert (result.created, result.updated, result.unchanged) == (6, 0, 0)
    with scopes_disabled():
        scan = Scan.objects.get(school__code="91KA00", school_year="2023-2024")
        assert scan.source == Scan.Source.IMPORT and scan.status == Scan.Status.SUBMITTED
        assert {(n.theme, n.severity, n.share_of_pupils) for n in scan.needs.all()} == {
            ("sport", "moderate", Decimal("35.00")),
            ("sociaal_emotioneel", "severe", Decimal("28.00")),
        }
        assert Scan.objects.count() == 4
    again = run(NeedImporter(), data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)


def test_needs_import_into_an_existing_draft_keeps_it_a_draft(world):
    scan = f.ScanFactory(school=world.school)
    result = run(
        NeedImporter(), b"school,school_year,theme,severity\n91KA00,2023-2024,taal,severe\n"
    )
    assert result.ok
    with scopes_disabled():
        scan.refresh_from_db()
        assert scan.status == Scan.Status.DRAFT and scan.source == Scan.Source.FORM
        assert Need.objects.get(scan=scan).severity == "severe"


def test_needs_with_unknown_codes_name_every_bad_row(world):
    data = (
        b"school,school_year,theme,severity,share_of_pupils\n"
        b"91KA00,2023-2024,lezen,severe,10\n"
        b"91KA0,2023-2024,taal,severe,10\n"
        b"92LB00,2023-2025,taal,erg,101\n"
        b"95PE00,2023-2024,taal,severe,\n"
    )
    result = run(NeedImporter(municipality=world.municipality), data)
    lines = [str(e) for e in result.errors]
    assert lines[0].startswith('regel 2: theme: "lezen" is geen geldige keuze')
    assert lines[1] == 'regel 3: school: "91KA0" is geen geldige locatiecode (bijvoorbeeld 12AB00)'
    assert 'regel 4: school_year: "2023-2025" is geen schooljaar (schrijf 2023-2024)' in lines
    assert any(line.startswith("regel 4: severity:") for line in lines)
    assert 'regel 4: share_of_pupils: "101" ligt niet tussen 0 en 100' in lines
    assert lines[-1] == "regel 5: school: 95PE00 hoort niet bij gemeente Midden-Groningen"
    with scopes_disabled():
        assert not Need.objects.exists()


def test_import_commands_exit_1_and_list_errors_on_stderr(tmp_path, capsys):
    bad = tmp_path / "needs.csv"
    bad.write_text("school,school_year,theme,severity\n12AB00,2023-2024,taal,severe\n")
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_needs", str(bad))
    assert exit_info.value.code == 1
    assert "regel 2: school: onbekende school 12AB00" in capsys.readouterr().err


def test_import_schools_command_with_weights(capsys):
    call_command(
        "import_schools",
        str(DATA / "duo_vestigingen_classic.csv"),
        "--sector",
        "BO",
        "--weights",
        str(DATA / "schoolweging.csv"),
        "--school-year",
        "2023-2024",
    )
    out = capsys.readouterr().out
    assert "7 regels: 7 nieuw" in out and "5 regels: 5 nieuw" in out
    with scopes_disabled():
        assert SchoolWeight.objects.filter(school_year="2023-2024").count() == 5


def test_large_duo_file_imports_with_bulk_writes(django_assert_max_num_queries):
    """10,000 rows in a bounded number of queries (bulk reads and writes, never per row)."""
    lines = ["INSTELLINGSCODE;VESTIGINGSCODE;VESTIGINGSNAAM;GEMEENTENUMMER;GEMEENTENAAM;SOORT_PO"]
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    codes = CBS_CODES[:40]
    for n in range(10_000):
        brin = f"{n % 100:02d}{letters[(n // 100) % 23]}{letters[n // 2300]}"
        lines.append(f"{brin};{brin}00;School {n};{codes[n % 40][2:]};GEMEENTE;Bo")
    data = "\n".join(lines).encode()
    # SQLite inserts in batches of ~80 rows (its 999-parameter limit): ~125 inserts + reads.
    with django_assert_max_num_queries(300):
        result = run(SchoolImporter(), data)
    assert result.created == 10_000


# --- in the browser ----------------------------------------------------------


def _upload(client, url, content, name="duo.csv", **extra):
    return client.post(url, {"file": SimpleUploadedFile(name, content), **extra})


def test_browser_import_previews_then_saves_on_confirm(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.users[Role.POLICY_OFFICER])
    url = reverse("schools:school_import", kwargs={"municipality": world.municipality.slug})
    data = (
        b"INSTELLINGSCODE;VESTIGINGSCODE;VESTIGINGSNAAM;GEMEENTENUMMER;SOORT_PO;AANTAL_LEERLINGEN\n"
        b"97RG;97RG00;SBO De Brug;1952;Sbo;84\n"
    )
    response = _upload(client, url, data)
    assert response.status_code == 200
    assert b"SBO De Brug" in response.content
    token = response.context["token"]
    with scopes_disabled():
        assert not School.objects.filter(code="97RG00").exists()  # preview saves nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"token": token})
    assert response.status_code == 302
    # The confirmed import ran as a background job (in-process here); its page shows the result.
    page = client.get(response["Location"]).content.decode()
    assert "Import voltooid" in page and "1 nieuw" in page
    fragment = client.get(response["Location"], {"fragment": "1"}).content.decode()
    assert fragment.startswith('<div class="import-job"') and "data-poll-done" in fragment
    with scopes_disabled():
        assert School.objects.get(code="97RG00").sector == "SBO"
        assert not default_storage.exists(ImportJob.objects.get().path)  # the upload is gone
    assert AuditEvent.objects.filter(
        action="schools.import", municipality=world.municipality
    ).exists()
    # A token works once.
    response = client.post(url, {"token": token}, follow=True)
    assert "verlopen" in response.content.decode()


def test_browser_import_shows_every_error_and_offers_no_confirm(client, world):
    client.force_login(world.users[Role.POLICY_OFFICER])
    url = reverse("schools:needs_import", kwargs={"municipality": world.municipality.slug})
    response = _upload(
        client,
        url,
        b"school,school_year,theme,severity\n91KA00,2023-2024,taal,erg\n95PE00,2023-2024,taal,severe\n",
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "regel 2: severity:" in page
        and "regel 3: school: 95PE00 hoort niet bij gemeente Midden-Groningen" in page
    )
    assert "token" not in response.context or not response.context.get("token")


def test_browser_import_refuses_a_pdf_renamed_to_csv(client, world):
    client.force_login(world.users[Role.POLICY_OFFICER])
    url = reverse("schools:needs_import", kwargs={"municipality": world.municipality.slug})
    response = _upload(client, url, b"%PDF-1.4 not a table", name="needs.csv")
    assert response.status_code == 400
    assert "geen CSV- of Excel-bestand" in response.content.decode()


def test_browser_weight_import_for_a_chosen_school_year(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.users[Role.POLICY_OFFICER])
    target = reverse("schools:weight_import", kwargs={"municipality": world.municipality.slug})
    response = _upload(
        client,
        target,
        b"OVT;schoolweging;aantal_leerlingen\n91KA00;33,4;212\n95PE00;30,1;90\n",
        school_year="2023-2024",
    )
    # The other municipality's school is skipped and counted, not refused.
    assert response.status_code == 200
    assert "1 regels van scholen van andere gemeenten overgeslagen" in response.content.decode()
    response = _upload(
        client,
        target,
        b"OVT;schoolweging;aantal_leerlingen\n91KA00;33,4;212\n",
        school_year="2023-2024",
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(target, {"token": response.context["token"]})
    with scopes_disabled():
        weight = SchoolWeight.objects.get()
    assert (weight.school_year, weight.weight, weight.pupil_count) == (
        "2023-2024",
        Decimal("33.40"),
        212,
    )


def test_an_import_job_that_finds_errors_at_run_time_saves_nothing(world):
    """Between preview and confirm the data may change; the job validates again and reports."""
    path = default_storage.save(
        "imports/test",
        io.BytesIO(b"school,school_year,theme,severity\n91KA00,2023-2024,taal,severe\n"),
    )
    with scopes_disabled():
        world.school.delete()
        job = ImportJob.objects.create(
            municipality=world.municipality, kind="needs", path=path, filename="n.csv"
        )
        job = import_jobs.import_job_run(job_id=job.pk)
        assert job.status == ImportJob.Status.FAILED
        assert job.errors == ["regel 2: school: onbekende school 91KA00"]
        assert not Need.objects.exists()
        # Running it again (a redelivered message) leaves the finished job alone.
        assert import_jobs.import_job_run(job_id=job.pk).finished_at == job.finished_at


def test_unconfirmed_uploads_are_cleaned_up_but_queued_ones_stay(world):
    import datetime as dt

    from django.utils import timezone

    old = default_storage.save(f"{import_jobs.IMPORT_UPLOADS}/old", io.BytesIO(b"x"))
    queued = default_storage.save(f"{import_jobs.IMPORT_UPLOADS}/queued", io.BytesIO(b"x"))
    with scopes_disabled():
        ImportJob.objects.create(
            municipality=world.municipality, kind="needs", path=queued, filename="q.csv"
        )
    assert (
        portal_tasks.import_uploads_cleanup.delay(max_age_hours=24).get() == 0
    )  # nothing is old yet
    with scopes_disabled():
        later = timezone.now() + dt.timedelta(days=2)
        assert import_jobs.import_uploads_cleanup(older_than=later) == 1
    assert not default_storage.exists(old) and default_storage.exists(queued)


# --- CBS municipalities and mergers (issue 11, section 2) -----------------------------

PRE_MERGER = (
    "BRIN NUMMER;VESTIGINGSNUMMER;VESTIGINGSNAAM;GEMEENTENUMMER;GEMEENTENAAM;PLAATSNAAM\n"
    "95PE;00;Basisschool De Klimop;0003;APPINGEDAM;APPINGEDAM\n"
    "96QF;00;OBS Delfzijl-Noord;0010;DELFZIJL;DELFZIJL\n"
    "96QF;01;OBS Delfzijl-Noord dependance;10;DELFZIJL;'T ZANDT\n"
    "97RG;00;SBO De Brug;0502;CAPELLE AAN DEN IJSSEL;CAPELLE AAN DEN IJSSEL\n"
)


def test_pre_merger_duo_file_keeps_schools_in_the_successor_with_a_notice(world):
    result = run(SchoolImporter(sector="BO"), PRE_MERGER.encode())
    assert result.ok, result.error_lines()
    assert result.notice_lines() == [
        "0003 Appingedam valt sinds 01-01-2021 onder Eemsdelta (GM1979)",
        "0010 Delfzijl valt sinds 01-01-2021 onder Eemsdelta (GM1979)",
    ]
    found = schools()
    assert found["95PE00"].municipality == world.other_municipality  # stays in Eemsdelta
    assert found["96QF01"].municipality.code == "GM1979"
    assert found["96QF01"].city == "'t Zandt"
    assert not Municipality.objects.filter(code__in=["GM0003", "GM0010"]).exists()
    # A municipality the portal did not know gets CBS's name, not the file's capitals.
    capelle = found["97RG00"].municipality
    assert (capelle.code, capelle.name) == ("GM0502", "Capelle aan den IJssel")
    assert found["97RG00"].city == "Capelle aan den IJssel"


def test_pre_merger_file_uploaded_by_the_successor_imports_its_rows(world):
    result = run(
        SchoolImporter(sector="BO", municipality=world.other_municipality), PRE_MERGER.encode()
    )
    assert result.ok, result.error_lines()
    assert result.notice_lines()[0] == "1 regels van andere gemeenten overgeslagen"
    assert "0010 Delfzijl valt sinds 01-01-2021 onder Eemsdelta (GM1979)" in result.notices
    assert schools()["96QF00"].municipality == world.other_municipality


def test_split_and_unknown_municipality_codes_are_refused():
    data = (
        "BRIN NUMMER;VESTIGINGSNUMMER;VESTIGINGSNAAM;GEMEENTENUMMER\n"
        "95PE;00;De Klimop;0788\n"
        "96QF;00;Noord;9999\n"
    )
    result = run(SchoolImporter(sector="BO"), data.encode())
    assert [str(e) for e in result.errors] == [
        "regel 2: GEMEENTENUMMER: 0788 Haaren is op 01-01-2021 verdeeld over Boxtel (GM0757), "
        "Oisterwijk (GM0824), Tilburg (GM0855) en Vught (GM0865); het bestand zegt niet onder "
        "welke gemeente deze regel valt",
        "regel 3: GEMEENTENUMMER: GM9999 is geen gemeentecode van het CBS",
    ]
    assert schools() == {}


def test_a_school_moving_to_another_municipality_is_listed(world):
    data = (
        "BRIN NUMMER;VESTIGINGSNUMMER;VESTIGINGSNAAM;GEMEENTENUMMER\n92LB;00;CBS Het Kompas;1979\n"
    )
    result = run(SchoolImporter(sector="BO"), data.encode(), dry_run=True)
    assert result.notices == [
        "92LB00 verhuist van Midden-Groningen (GM1952) naar Eemsdelta (GM1979)"
    ]


def _national_duo_file(rows=8000, municipalities=300, own="1952"):
    """DUO's new layout for the whole country: ``rows`` locations over ``municipalities``
    real CBS codes (``own`` among them), as downloaded (``;``, ``<5``, capitals)."""
    codes = [c[2:] for c in CBS_CODES if c[2:] != own][: municipalities - 1] + [own]
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    lines = [
        "INSTELLINGSCODE;VESTIGINGSCODE;VESTIGINGSNAAM;BEVOEGD_GEZAG_NUMMER;SOORT_PO;"
        "GEMEENTENUMMER;GEMEENTENAAM;PLAATSNAAM;AANTAL_LEERLINGEN"
    ]
    for n in range(rows):
        brin = f"{n % 100:02d}{letters[(n // 100) % 23]}{letters[n // 2300]}"
        count = "<5" if n % 97 == 0 else str(50 + n % 400)
        lines.append(
            f"{brin};{brin}00;School {n};{40000 + n % 900};Bo;{codes[n % municipalities]};"
            f"GEMEENTE;PLAATS {n % 50};{count}"
        )
    return "\n".join(lines).encode()


def test_national_duo_file_uploaded_by_one_municipality_in_the_browser(
    client, world, django_capture_on_commit_callbacks
):
    """Issue 11 §1: 8,000 locations over 300 municipalities; the officer's own rows import,
    the others are skipped and counted, within the time of the page."""
    import time

    client.force_login(world.users[Role.POLICY_OFFICER])
    url = reverse("schools:school_import", kwargs={"municipality": world.municipality.slug})
    data = _national_duo_file()
    own = sum(1 for line in data.decode().splitlines()[1:] if ";1952;" in line)
    started = time.monotonic()
    response = _upload(client, url, data, name="vestigingen_alle.csv")
    assert response.status_code == 200, response.context["result"].error_lines()[:5]
    page = response.content.decode()
    assert f"{8000 - own:_} regels van andere gemeenten overgeslagen".replace("_", ".") in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"token": response.context["token"]}, follow=True)
    elapsed = time.monotonic() - started
    # The job's page shows the count of skipped rows with the result.
    page = client.get(response.redirect_chain[-1][0]).content.decode()
    assert "regels van andere gemeenten overgeslagen" in page
    with scopes_disabled():
        job = ImportJob.objects.get()
        assert job.status == ImportJob.Status.DONE, job.errors[:5]
        assert job.notices == [
            f"{8000 - own:_} regels van andere gemeenten overgeslagen".replace("_", ".")
        ]
        assert School.objects.filter(municipality=world.municipality).count() >= own
        assert not School.objects.exclude(
            municipality__in=[world.municipality, world.other_municipality]
        ).exists()
    assert elapsed < 30, elapsed


def test_import_schools_command_with_a_pre_merger_file_and_brin_c_weights(world, capsys):
    call_command("import_schools", str(DATA / "duo_vestigingen_2020.csv"), "--sector", "BO")
    out = capsys.readouterr().out
    assert "0010 Delfzijl valt sinds 01-01-2021 onder Eemsdelta (GM1979)" in out
    assert "0024 Loppersum valt sinds 01-01-2021 onder Eemsdelta (GM1979)" in out
    found = schools()
    assert {found[c].municipality.code for c in ("95PE00", "96QF00", "96QF01")} == {"GM1979"}
    assert found["96QF01"].city == "'t Zandt" and found["91KA00"].pupil_count == 205
    assert not Municipality.objects.filter(code__in=["GM0003", "GM0010", "GM0024"]).exists()
    call_command(
        "import_schools",
        str(DATA / "duo_vestigingen_2020.csv"),
        "--weights",
        str(DATA / "schoolweging_brin_c.csv"),
        "--school-year",
        "2023-2024",
    )
    out = capsys.readouterr().out
    # 91KA has one location in the portal but the file two keys for it: not guessed, listed.
    assert "2 regels met een BRIN|C-sleutel die niet eenduidig bij één locatie hoort" in out
    assert "vestigingscode: 91KA|C1, 91KA|C2" in out
    with scopes_disabled():
        assert dict(SchoolWeight.objects.values_list("school__code", "weight")) == {
            "92LB00": Decimal("29.20")
        }


def test_every_problem_of_a_row_is_listed_not_only_the_first():
    data = (
        "INSTELLINGSCODE;VESTIGINGSCODE;VESTIGINGSNAAM;GEMEENTENUMMER;BEVOEGD_GEZAG_NUMMER\n"
        "97RG;98SH00;De Brug;0788;abc\n"
    )
    result = run(SchoolImporter(sector="BO"), data.encode())
    assert [str(e).split(":")[1].strip() for e in result.errors] == [
        "GEMEENTENUMMER",
        "VESTIGINGSCODE",
        "BEVOEGD_GEZAG_NUMMER",
    ]
