"""The schools imports and CBS municipalities (issue 11, section 2): pre-merger files, split
and unknown codes, schools moving municipality, national files uploaded by one municipality."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_scopes import scopes_disabled

from portal.models import ImportJob, Municipality, Role
from schools.imports.duo import SchoolImporter
from schools.models import School, SchoolWeight

from .school_imports import CBS_CODES, DATA, run, schools, upload

pytestmark = pytest.mark.django_db


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
    assert result.notice_lines()[0] == "1 regel van andere gemeenten overgeslagen"
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
    response = upload(client, url, data, name="vestigingen_alle.csv")
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
