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
from portal.imports import jobs as import_jobs
from portal.models import AuditEvent, ImportJob, Municipality, Role
from schools.imports import NeedImporter, SchoolImporter, SchoolWeightImporter
from schools.models import Need, Scan, School, SchoolWeight

from . import factories as f

DATA = Path(__file__).resolve().parent.parent / "portal" / "demo_data"

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
        'line 4: vestiging: "0X" is geen geldig vestigingsnummer (bijvoorbeeld 00)'
    ]
    assert schools() == {}


def test_classic_layout_without_sector_is_refused_for_new_schools():
    result = run(SchoolImporter(), (DATA / "duo_vestigingen_classic.csv").read_bytes())
    assert not result.ok
    assert str(result.errors[0]).startswith("line 2: sector: sector onbekend")
    assert schools() == {}


def test_unknown_sector_codes_are_refused():
    data = b"INSTELLINGSCODE;VESTIGINGSCODE;VESTIGINGSNAAM;GEMEENTENUMMER;SOORT_PO\n97RG;00;De Brug;1952;Mbo\n"
    result = run(SchoolImporter(), data)
    assert [str(e) for e in result.errors] == [
        'line 2: soort_po: "Mbo" is geen bekende SOORT_PO (Bo, Sbo, So, Vso)'
    ]
    result = run(
        SchoolImporter(),
        b"BRIN NUMMER,VESTIGINGSNUMMER,VESTIGINGSNAAM,GEMEENTENUMMER,SECTOR\n97RG,00,De Brug,1952,HBO\n",
    )
    assert str(result.errors[0]).startswith('line 2: sector: "HBO" is geen geldige keuze')


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
        "line 2: name: formules worden niet geaccepteerd; plak de waarden (Plakken speciaal > Waarden)"
    ]


def test_browser_import_refuses_schools_of_another_municipality(world):
    result = run(
        SchoolImporter(sector="BO", municipality=world.municipality),
        (DATA / "duo_vestigingen_classic.csv").read_bytes(),
    )
    assert [str(e) for e in result.errors] == [
        "line 7: gemeentenummer: 95PE00 hoort niet bij gemeente Midden-Groningen",
        "line 8: gemeentenummer: 96QF00 hoort niet bij gemeente Midden-Groningen",
    ]
    with scopes_disabled():
        assert not School.objects.filter(code="91KA01").exists()


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


def test_weights_of_an_unknown_school_import_nothing():
    run(SchoolImporter(sector="BO"), (DATA / "duo_vestigingen_classic.csv").read_bytes())
    result = run(
        SchoolWeightImporter(school_year="2023-2024"), b"OVT;schoolweging\n91KA00;33,4\n00XX00;30\n"
    )
    assert [str(e) for e in result.errors] == ["line 3: ovt: onbekende school 00XX00"]
    with scopes_disabled():
        assert not SchoolWeight.objects.exists()


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
    assert lines[0].startswith('line 2: theme: "lezen" is geen geldige keuze')
    assert lines[1] == 'line 3: school: "91KA0" is geen geldige locatiecode (bijvoorbeeld 12AB00)'
    assert 'line 4: school_year: "2023-2025" is geen schooljaar (schrijf 2023-2024)' in lines
    assert any(line.startswith("line 4: severity:") for line in lines)
    assert 'line 4: share_of_pupils: "101" ligt niet tussen 0 en 100' in lines
    assert lines[-1] == "line 5: school: 95PE00 hoort niet bij gemeente Midden-Groningen"
    with scopes_disabled():
        assert not Need.objects.exists()


def test_import_commands_exit_1_and_list_errors_on_stderr(tmp_path, capsys):
    bad = tmp_path / "needs.csv"
    bad.write_text("school,school_year,theme,severity\n12AB00,2023-2024,taal,severe\n")
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_needs", str(bad))
    assert exit_info.value.code == 1
    assert "line 2: school: onbekende school 12AB00" in capsys.readouterr().err


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
    for n in range(10_000):
        brin = f"{n % 100:02d}{letters[(n // 100) % 23]}{letters[n // 2300]}"
        lines.append(f"{brin};{brin}00;School {n};{1 + n % 40};Gemeente {1 + n % 40};Bo")
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
        "line 2: severity:" in page
        and "line 3: school: 95PE00 hoort niet bij gemeente Midden-Groningen" in page
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
    assert response.status_code == 400
    assert (
        "line 3: ovt: 95PE00 hoort niet bij gemeente Midden-Groningen" in response.content.decode()
    )
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
        assert job.errors == ["line 2: school: onbekende school 91KA00"]
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
