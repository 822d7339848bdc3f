"""The funding imports (interchange.md sections 2-4): formats, errors, idempotency, locks."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from funding.models import Activity, Expenditure, Grant, PeriodLock
from funding.services.activities import ActivityImporter
from funding.services.expenditure_import import ExpenditureImporter
from funding.services.grants import GrantImporter

from . import factories as f

HEADER = "municipality;booking_id;grant;date;amount;supplier;invoice_number;school;depreciation_months;new_construction\n"


@pytest.fixture
def m(db):
    municipality = f.MunicipalityFactory(code="GM0363", slug="amsterdam")
    f.SchoolFactory(municipality=municipality, code="16SW03")
    f.GrantFactory(municipality=municipality, reference="GOAB-1")
    return municipality


def run_lines(body, **kwargs):
    with scopes_disabled():
        return ExpenditureImporter(**kwargs).run(
            io.BytesIO((HEADER + body).encode("cp1252")), filename="x.csv"
        )


def test_expenditures_in_dutch_excel_csv_with_every_amount_notation(m):
    result = run_lines(
        "363;B1;GOAB-1;01-03-2023;EUR 1.234,56;Café Één;A/1;16sw03;36;ja\n"
        "0363;B2;GOAB-1;2023-03-02;€ -12,50;Leverancier;;;;\n"
        "GM0363;B3;GOAB-1;2023-03-03;1234.5;Leverancier;;;;false\n"
    )
    assert result.ok, result.error_lines()
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    with scopes_disabled():
        b1 = Expenditure.objects.get(booking_id="B1")
        assert (
            b1.amount,
            b1.supplier,
            b1.supplier_key,
            b1.invoice_key,
            b1.school.code,
            b1.depreciation_months,
            b1.new_construction,
        ) == (Decimal("1234.56"), "Café Één", "CAFÉÉÉN", "A1", "16SW03", 36, True)
        assert Expenditure.objects.get(booking_id="B2").amount == Decimal("-12.50")
        assert Expenditure.objects.get(booking_id="B3").amount == Decimal("1234.50")


def test_reimport_updates_changed_lines_and_bumps_their_version(m):
    run_lines("GM0363;B1;GOAB-1;2023-03-01;10;X;;;;\nGM0363;B2;GOAB-1;2023-03-01;10;X;;;;\n")
    result = run_lines(
        "GM0363;B1;GOAB-1;2023-03-01;10;X;;;;\nGM0363;B2;GOAB-1;2023-03-01;11;X;;;;\n"
    )
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    with scopes_disabled():
        assert dict(Expenditure.objects.values_list("booking_id", "version")) == {"B1": 1, "B2": 2}


def test_import_refused_when_it_would_change_a_locked_year(m):
    run_lines("GM0363;B1;GOAB-1;2023-03-01;10;X;;;;\n")
    with scopes_disabled():
        grant = Grant.objects.get(reference="GOAB-1")
        PeriodLock.objects.create(municipality=m, stream=grant.stream, year=2023)
    # moving the line out of 2023 changes the locked year (old value) -> refused
    result = run_lines("GM0363;B1;GOAB-1;2024-03-01;10;X;;;;\n")
    assert not result.ok and "2023" in " ".join(result.error_lines())
    # re-importing it unchanged writes nothing, so it is fine
    assert run_lines("GM0363;B1;GOAB-1;2023-03-01;10;X;;;;\n").ok
    with scopes_disabled():
        assert Expenditure.objects.get(booking_id="B1").date == dt.date(2023, 3, 1)


def test_command_lists_every_invalid_row_on_stderr_and_exits_1(m, tmp_path, capsys):
    path = tmp_path / "lines.csv"
    path.write_text(
        HEADER
        + "GM0363;B1;GOAB-1;2023-02-30;10;X;;;;\nGM0363;B2;NOPE;2023-03-01;abc;;;99XX99;;misschien\n",
        encoding="utf-8",
    )
    with pytest.raises(SystemExit) as exit:
        call_command("import_expenditures", str(path))
    assert exit.value.code == 1
    err = capsys.readouterr().err
    for expected in (
        "regel 2: date",
        "regel 3: amount",
        "regel 3: supplier",
        "regel 3: new_construction",
    ):
        assert expected in err
    with scopes_disabled():
        assert not Expenditure.objects.exists()


def test_expenditures_from_xlsx(m):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Municipality ", "BOOKING_ID", "grant", "date", "amount", "supplier"])
    sheet.append(["GM0363", "X1", "GOAB-1", dt.datetime(2023, 5, 1), 99.95, "Leverancier"])
    buffer = io.BytesIO()
    book.save(buffer)
    with scopes_disabled():
        result = ExpenditureImporter().run(io.BytesIO(buffer.getvalue()), filename="lines.xlsx")
        assert result.ok, result.error_lines()
        assert Expenditure.objects.get(booking_id="X1").amount == Decimal("99.95")


def test_browser_import_of_another_municipality_is_refused(m):
    other = f.MunicipalityFactory(code="GM1979")
    result = run_lines("GM0363;B1;GOAB-1;2023-03-01;10;X;;;;\n", municipality=other)
    assert [str(e) for e in result.errors] == [
        "regel 2: municipality: hoort niet bij " + other.name
    ]


def test_grant_import_defaults_window_to_stream_and_validates_carry_source(m):
    data = (
        b"municipality,stream,reference,amount,carried_from\nGM0363,npo-gem,NPO,100,\nGM0363,GOAB,G2,5,NOPE\n"
        b"GM0363,XYZ,G3,5,\n"
    )
    with scopes_disabled():
        result = GrantImporter().run(data)
    assert [str(e) for e in result.errors] == [
        "regel 3: carried_from: onbekende beschikking NOPE",
        "regel 4: stream: onbekende financieringsstroom XYZ",
    ]
    with scopes_disabled():
        result = GrantImporter().run(
            b"municipality,stream,reference,amount\nGM0363,npo-gem,NPO,100\n"
        )
        assert result.ok
        grant = Grant.objects.get(reference="NPO")
        assert (grant.window_start, grant.window_end) == (dt.date(2021, 7, 1), dt.date(2025, 7, 31))


def test_activity_import_errors_and_school_owned_intervention(m):
    data = (
        b"owner,code,name,themes,schools,start,end,funding,menukaart\n"
        b"16SW03,OWN,Eigen,taal,,2023-08-01,2024-07-31,NPO-SCHOOL:100,b\n"
        b"GM0363,BAD,Fout,tekenen,99ZZ99,2024-01-01,2023-01-01,NOPE,\n"
    )
    with scopes_disabled():
        result = ActivityImporter().run(data)
        lines = [str(e) for e in result.errors]
        assert 'regel 3: themes: "tekenen" is geen geldige keuze' in " ".join(lines)
        assert not Activity.objects.exists()
        assert ActivityImporter().run(data.split(b"GM0363,BAD")[0]).ok
        own = Activity.objects.get(code="OWN")
        assert (own.owner_school.code, own.menukaart, own.owner_code) == ("16SW03", "B", "16SW03")


def test_activity_and_expenditure_choice_columns_also_read_the_dutch_labels(m):
    """A file typed from what the pages show: "taal en lezen", "Basisonderwijs", the
    menukaart label and the cost category "Personeel" read as their codes."""
    data = (
        b"owner,code,name,themes,sectors,start,end,funding,menukaart\n"
        b"GM0363,LBL,Labels,Taal en lezen| REKENEN ,Basisonderwijs|VO,2023-08-01,2024-07-31,"
        b'NPO-GEM,"b. effectievere inzet van onderwijs"\n'
    )
    with scopes_disabled():
        result = ActivityImporter().run(data)
        assert result.ok, result.error_lines()
        activity = Activity.objects.get(code="LBL")
        assert (activity.themes, activity.sectors, activity.menukaart) == (
            ["taal", "rekenen"],
            ["BO", "VO"],
            "B",
        )
        refused = ActivityImporter().run(data.replace(b"Taal en lezen", b"Language"))
        assert not refused.ok
        assert 'regel 2: themes: "Language"' in " ".join(map(str, refused.errors))
    with scopes_disabled():
        result = ExpenditureImporter().run(
            io.BytesIO(
                b"municipality;booking_id;grant;date;amount;supplier;cost_category\n"
                b"GM0363;L1;GOAB-1;01-03-2023;10,00;Leverancier;Personeel\n"
            ),
            filename="x.csv",
        )
        assert result.ok, result.error_lines()
        assert Expenditure.objects.get(booking_id="L1").cost_category == "personeel"


def test_an_amount_of_forty_digits_is_a_row_error_not_a_crash(m):
    # More digits than Decimal's context holds made quantize() raise InvalidOperation.
    result = run_lines(f"GM0363;B1;GOAB-1;2023-03-01;{'9' * 40};X;;;;\n")
    assert not result.ok
    assert [str(e) for e in result.errors] == [
        f'regel 2: amount: "{"9" * 40}" is geen geldig bedrag (bijvoorbeeld 1.234,56)'
    ]


def test_an_unchanged_reimport_counts_every_line_unchanged_and_rewrites_none(m):
    body = "".join(
        f"GM0363;B{i};GOAB-1;2023-03-01;{i},50;Leverancier {i % 3};;;;\n" for i in range(30)
    )
    assert run_lines(body).created == 30
    with scopes_disabled():
        before = dict(Expenditure.objects.values_list("booking_id", "version"))
    result = run_lines(body)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 30)
    with scopes_disabled():
        assert dict(Expenditure.objects.values_list("booking_id", "version")) == before
        assert Expenditure.objects.get(booking_id="B7").supplier_key == "LEVERANCIER1"
