"""The schools app's imports: DUO locations (both layouts), the schoolweging file and scan
needs, on the command line (in the browser: test_schools_imports_browser.py; municipal
mergers and national files: test_schools_imports_mergers.py)."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from portal.models import Municipality
from schools.imports.duo import SchoolImporter
from schools.imports.needs import NeedImporter
from schools.imports.weights import SchoolWeightImporter
from schools.models import Need, Scan, School, SchoolWeight

from . import factories as f
from .school_imports import CBS_CODES, DATA, run, schools

pytestmark = pytest.mark.django_db


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


def test_needs_import_accepts_the_dutch_labels_of_the_scan_form_besides_the_codes(world):
    data = (
        "school;school_year;theme;severity;share_of_pupils\n"
        "91KA00;2023-2024;taal;moderate;10\n"  # codes
        "91KA00;2023-2024;Sociaal-emotioneel /\xa0Welbevinden;  ERNSTIG ;20\n"  # labels
        "91KA00;2023-2024;extra onderwijstijd  (zomerschool, verlengde dag);Beperkt;\n"
    ).encode()
    result = run(NeedImporter(municipality=world.municipality), data)
    assert result.ok, result.error_lines()
    with scopes_disabled():
        assert {(n.theme, n.severity) for n in Need.objects.filter(scan__school=world.school)} == {
            ("taal", "moderate"),
            ("sociaal_emotioneel", "severe"),
            ("onderwijstijd", "limited"),
        }


def test_needs_import_refuses_english_labels_in_dutch_naming_line_column_and_labels(world):
    data = (
        b"school,school_year,theme,severity\n"
        b"91KA00,2023-2024,language and reading,severe\n"
        b"91KA00,2023-2024,rekenen,very\n"
    )
    result = run(NeedImporter(municipality=world.municipality), data)
    lines = [str(e) for e in result.errors]
    assert lines[0].startswith(
        'regel 2: theme: "language and reading" is geen geldige keuze (toegestaan: '
        '"taal en lezen", "rekenen", "executieve functies", '
    )
    assert '"extra onderwijstijd (zomerschool, verlengde dag)"' in lines[0]
    assert "sociaal_emotioneel" not in lines[0]  # the labels people know, not the keys
    assert lines[1:] == [
        'regel 3: severity: "very" is geen geldige keuze '
        '(toegestaan: "geen", "beperkt", "matig", "ernstig")'
    ]
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
