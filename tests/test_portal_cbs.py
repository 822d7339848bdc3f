"""CBS reference data and municipal reorganisations (issue 11, section 2)."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command

from portal.cbs import (
    MUNICIPALITIES_FILE,
    CbsCodeError,
    CbsRegister,
    parse_municipalities,
    place_name,
)
from portal.models import CbsMunicipality, CbsReorganisation, Municipality


def test_shipped_list_is_complete_and_names_its_source():
    text = MUNICIPALITIES_FILE.read_text(encoding="utf-8")
    assert text.startswith("# Bron: CBS")
    rows = parse_municipalities(MUNICIPALITIES_FILE.read_bytes())
    assert len(rows) == 342
    assert len({code for code, _n, _p in rows}) == 342
    assert len({province for _c, _n, province in rows}) == 12
    assert ("GM1979", "Eemsdelta", "Groningen") in rows
    assert ("GM0502", "Capelle aan den IJssel", "Zuid-Holland") in rows


@pytest.mark.django_db
def test_the_migration_loads_the_reference_data():
    # Run the data migration's function itself: a transactional test elsewhere may have
    # flushed the tables this test database was migrated with.
    CbsMunicipality.objects.all().delete()
    CbsReorganisation.objects.all().delete()
    Municipality.objects.create(code="GM0502", name="Capelle Aan Den Ijssel", slug="capelle")
    migration = importlib.import_module("portal.migrations.0005_load_cbs_reference_data")
    migration.forwards(django_apps, None)
    assert CbsMunicipality.objects.count() == 342
    assert Municipality.objects.get(code="GM0502").name == "Capelle aan den IJssel"
    assert CbsMunicipality.objects.get(code="GM0353").name == "IJsselstein"
    assert CbsReorganisation.objects.filter(new_code="GM1979").count() == 3


@pytest.mark.django_db
def test_a_merged_code_maps_to_its_successor_with_a_notice():
    register = CbsRegister.load()
    resolved = register.resolve("GM0010")
    assert (resolved.code, resolved.name) == ("GM1979", "Eemsdelta")
    assert resolved.notice == "0010 Delfzijl valt sinds 01-01-2021 onder Eemsdelta (GM1979)"
    assert register.resolve("GM1952").notice == ""


@pytest.mark.django_db
def test_a_split_code_names_its_successors_and_an_unknown_code_is_refused():
    register = CbsRegister.load()
    with pytest.raises(CbsCodeError) as split:
        register.resolve("GM0788")
    assert "0788 Haaren is op 01-01-2021 verdeeld over Boxtel (GM0757)" in str(split.value)
    assert "Tilburg (GM0855) en Vught (GM0865)" in str(split.value)
    with pytest.raises(CbsCodeError, match="GM9999 is geen gemeentecode van het CBS"):
        register.resolve("GM9999")


@pytest.mark.django_db
def test_chained_mergers_follow_to_the_code_in_force():
    CbsReorganisation.objects.create(
        date="2030-01-01",
        old_code="GM1979",
        old_name="Eemsdelta",
        new_code="GM0014",
        new_name="Groningen",
    )
    CbsMunicipality.objects.filter(code="GM1979").delete()
    resolved = CbsRegister.load().resolve("GM0010")
    assert resolved.code == "GM0014"
    assert "sinds 01-01-2030 onder Groningen (GM0014)" in resolved.notice


@pytest.mark.django_db
def test_register_reloads_the_shipped_files_when_the_tables_are_empty():
    CbsMunicipality.objects.all().delete()
    assert CbsRegister.load().name("GM0363") == "Amsterdam"


@pytest.mark.django_db
def test_update_command_loads_a_cbs_file_and_renames_municipalities(tmp_path):
    Municipality.objects.create(code="GM0014", name="Stad Groningen", slug="groningen")
    path = tmp_path / "Gemeenten alfabetisch 2026.csv"
    path.write_text(
        "Gemeentecode;GemeentecodeGM;Gemeentenaam;Provinciecode;ProvinciecodePV;Provincienaam\n"
        "0014;GM0014;Groningen;20;PV20;Groningen\n"
        "0034;GM0034;Almere;24;PV24;Flevoland\n",
        encoding="cp1252",
    )
    call_command("update_cbs_gemeenten", str(path))
    assert CbsMunicipality.objects.count() == 2
    assert Municipality.objects.get(code="GM0014").name == "Groningen"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("CAPELLE AAN DEN IJSSEL", "Capelle aan den IJssel"),
        ("IJSSELSTEIN", "IJsselstein"),
        ("'S-GRAVENHAGE", "'s-Gravenhage"),
        ("DEN HAAG", "Den Haag"),
        ("BERGEN OP ZOOM", "Bergen op Zoom"),
        ("ALPHEN-CHAAM", "Alphen-Chaam"),
        ("REUSEL-DE MIERDEN", "Reusel-De Mierden"),
        ("HOOGEZAND", "Hoogezand"),
        ("Oud-Beijerland", "Oud-Beijerland"),
        ("de Bilt", "de Bilt"),
    ],
)
def test_place_names_in_capitals_are_cased_by_dutch_rules(raw, expected):
    assert place_name(raw) == expected
