"""The sample files of portal/demo_data import as they are, and check_overlaps reports exactly
the findings checks.md implies for them (worked out by hand below)."""

import csv
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from funding.models import Activity, Expenditure, Grant
from schools.models import Need, Scan

from . import factories as f

DATA = Path(__file__).resolve().parent.parent / "portal" / "demo_data"

# Worked out by hand from checks.md, with the schools of the DUO samples (all BO, except SBO
# 97RG00 and SO 98SH00 of the new layout) and the needs of needs.csv (imported scans):
EXPECTED = {
    # 2023-000140 (NPO-GEM) and 2023-000141 (GOAB): same supplier, SB/2023/77 == SB-2023-77 after
    # normalisation, same amount -> one F1 group. The pair also spans two streams, but the group
    # is entirely that one F1 group, so no F2.
    ("F1", "error", ("booking:2023-000140", "booking:2023-000141"), None, None, "8750.00"),
    # Kitchen, 120 months from 2023-10-02 runs to 2033, past the NPO-GEM window end 2025-07-31
    # (the SPUK-NPO-2021 grant has no window of its own: the stream's), not signed off.
    ("F6", "warning", ("booking:2023-000177",), "93MC00", None, "18940.00"),
    # Noodlokaal (new_construction=true) on NPO-GEM, which allows existing rooms only.
    ("F7", "error", ("booking:2024-000012",), "94ND00", None, "6200.00"),
    # GOAB-2023-2026 carries EUR 1.034.000 over from GOAB-2019-2022 (EUR 4.200.000 over 1461
    # days): its 2022 budget is 4200000 x 365 / 1461 = 1.049.281,31, GOAB's cap 50% of that =
    # 524.640,66, so 1.034.000,00 - 524.640,66 = 509.359,34 too much.
    ("F8", "error", ("grant:GOAB-2023-2026",), None, None, "509359.34"),
    # Tijd voor Toekomst (NPO-GEM + GOAB, 91KA00 and 94ND00, sport, 2023-08..2025-07) and the
    # school's own SPORT-NPO (NPO-SCHOOL, 91KA00, sport, 2023-08..2024-07): different streams.
    (
        "P1",
        "warning",
        ("activity:91KA00/SPORT-NPO", "activity:GM1952/TVT"),
        "91KA00",
        "sport",
        "24000.00",
    ),
    # Zomercampus 2022 (NPO-GEM, all BO/SBO schools, taal, 2022-07-11..2022-08-19) and 92LB00's
    # LEZEN (NPO-SCHOOL, taal, 2021-08-01..2022-07-31): the periods overlap in July 2022.
    (
        "P1",
        "warning",
        ("activity:92LB00/LEZEN", "activity:GM1952/ZOMER22"),
        "92LB00",
        "taal",
        "31000.00",
    ),
    # Needs of 2023-2024 nothing covers: 92LB00 taal (LEZEN ended 2022-07-31), 93MC00 zorg and
    # 94ND00 thuiszitters (no activity has those themes). 91KA00 sport (TVT), 91KA00 and 93MC00
    # sociaal_emotioneel (KOO reaches every BO/SBO school) are covered.
    ("G1", "info", ("need:92LB00/2023-2024/taal",), "92LB00", "taal", None),
    ("G1", "info", ("need:93MC00/2023-2024/zorg",), "93MC00", "zorg", None),
    ("G1", "info", ("need:94ND00/2023-2024/thuiszitters",), "94ND00", "thuiszitters", None),
}
# Near misses in the same files: F3 none (every line inside its window); F4 none (all BO, and
# 93MC00 is BO); F5 none (far below the grants); KOO x TVT share schools but no theme; TVT x
# ZOMER22 share onderwijstijd but not the period (2022 vs 2023).


def load_sample_world():
    """Municipalities and schools as the foundation seed and the DUO samples create them."""
    municipalities = {
        "GM1952": f.MunicipalityFactory(
            code="GM1952", name="Midden-Groningen", slug="midden-groningen"
        ),
        "GM1979": f.MunicipalityFactory(code="GM1979", name="Eemsdelta", slug="eemsdelta"),
    }
    with open(DATA / "duo_vestigingen_classic.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            f.SchoolFactory(
                code=row["BRIN NUMMER"] + row["VESTIGINGSNUMMER"],
                sector="BO",
                municipality=municipalities[f"GM{int(row['GEMEENTENUMMER']):04d}"],
            )
    f.SchoolFactory(code="97RG00", sector="SBO", municipality=municipalities["GM1952"])
    f.SchoolFactory(code="98SH00", sector="SO", municipality=municipalities["GM1952"])
    f.SchoolFactory(code="99TJ00", sector="BO", municipality=municipalities["GM1979"])
    return municipalities


def load_sample_needs(municipalities):
    with scopes_disabled(), open(DATA / "needs.csv", encoding="utf-8") as fh:
        from schools.models import School

        for row in csv.DictReader(fh):
            school = School.objects.get(code=row["school"])
            scan, _ = Scan.objects.get_or_create(
                school=school,
                school_year=row["school_year"],
                defaults={
                    "municipality": school.municipality,
                    "status": Scan.Status.SUBMITTED,
                    "source": Scan.Source.IMPORT,
                },
            )
            Need.objects.create(
                scan=scan,
                theme=row["theme"],
                severity=row["severity"],
                share_of_pupils=row["share_of_pupils"],
            )


def import_samples():
    for kind in ("grants", "activities", "expenditures"):
        call_command(f"import_{kind}", str(DATA / f"{kind}.csv"))


@pytest.mark.django_db
def test_sample_files_import_as_they_are_and_twice_changes_nothing(capsys):
    load_sample_world()
    import_samples()
    with scopes_disabled():
        assert Grant.objects.count() == 4
        assert Activity.objects.count() == 6
        assert Expenditure.objects.count() == 7
        goab = Grant.objects.get(reference="GOAB-2023-2026")
        assert (
            str(goab.carry_over) == "1034000.00" and goab.carried_from.reference == "GOAB-2019-2022"
        )
        npo = Grant.objects.get(reference="SPUK-NPO-2021")
        assert (str(npo.window_start), str(npo.window_end)) == ("2021-07-01", "2025-07-31")
        line = Expenditure.objects.get(booking_id="2023-000140")
        assert (line.supplier_key, line.invoice_key, str(line.amount)) == (
            "SPORTBEDRIJFMIDDENGRONINGEN",
            "SB202377",
            "8750.00",
        )
        tvt = Activity.objects.get(code="TVT")
        assert sorted(tvt.funding_lines.values_list("stream__code", "amount")) == [
            ("GOAB", 150000),
            ("NPO-GEM", 200000),
        ]
        assert sorted(tvt.schools.values_list("code", flat=True)) == ["91KA00", "94ND00"]
        assert Activity.objects.get(code="SPORT-NPO").owner_school.code == "91KA00"
    capsys.readouterr()
    import_samples()
    out = capsys.readouterr().out
    assert "0 nieuw, 0 bijgewerkt" in out
    with scopes_disabled():
        assert (
            Expenditure.objects.count() == 7
            and Grant.objects.count() == 4
            and Activity.objects.count() == 6
        )


@pytest.mark.django_db
def test_check_overlaps_reports_what_checks_md_implies_for_the_samples(capsys):
    municipalities = load_sample_world()
    load_sample_needs(municipalities)
    import_samples()
    capsys.readouterr()
    call_command("check_overlaps", "--format", "json")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {
        set(d)
        == {"rule", "severity", "municipality", "subjects", "school", "theme", "amount", "message"}
        for d in lines
    } == {True}
    assert {d["municipality"] for d in lines} == {"GM1952"}
    got = {
        (d["rule"], d["severity"], tuple(d["subjects"]), d["school"], d["theme"], d["amount"])
        for d in lines
    }
    assert got == EXPECTED
    assert len(lines) == len(EXPECTED)
    for d in lines:
        assert d["subjects"] == sorted(d["subjects"]) and d["message"]


@pytest.mark.django_db
def test_check_overlaps_csv_for_one_municipality_to_a_file(tmp_path):
    load_sample_world()
    import_samples()
    out = tmp_path / "findings.csv"
    call_command(
        "check_overlaps", "--municipality", "1952", "--format", "csv", "--output", str(out)
    )
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {(r["rule"], r["subjects"]) for r in rows} >= {
        ("F1", "booking:2023-000140|booking:2023-000141"),
        ("F7", "booking:2024-000012"),
    }


@pytest.mark.django_db
def test_check_overlaps_exits_zero_without_findings_and_one_for_unknown_municipality(capsys):
    load_sample_world()
    call_command("check_overlaps", "--format", "json")
    assert capsys.readouterr().out == ""
    with pytest.raises(SystemExit) as exit:
        call_command("check_overlaps", "--municipality", "GM0001")
    assert exit.value.code == 1


@pytest.mark.django_db
def test_check_overlaps_exits_one_when_the_checks_cannot_run_and_marks_the_run_failed(
    monkeypatch, capsys
):
    from funding.models import CheckRun
    from funding.services import checks

    load_sample_world()

    def broken(municipality):
        raise RuntimeError("database gone")

    monkeypatch.setitem(checks.RULE_FUNCTIONS, "F1", broken)
    with pytest.raises(SystemExit) as exit:
        call_command("check_overlaps", "--municipality", "GM1952")
    assert exit.value.code == 1
    assert "database gone" in capsys.readouterr().err
    with scopes_disabled():
        assert CheckRun.objects.get().status == "failed"
