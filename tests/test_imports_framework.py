"""Behaviour of the import framework (portal.imports).

Only the save-path tests at the end use the database.
"""

import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from openpyxl.styles import Font

from portal import imports
from portal.exports import safe_cell, write_csv, write_xlsx
from portal.imports import (
    BaseImportCommand,
    Column,
    Importer,
    ImportFileError,
    ImportValueError,
    amount,
    boolean,
    bulk_upsert,
    choice,
    decimal_number,
    integer,
    location_code,
    multi,
    normalise_municipality_code,
    read_table,
    run_import_command,
    small_count,
)


class GrantImporter(Importer):
    columns = [
        Column("code", required=True, parse=normalise_municipality_code, aliases=("gemeentecode",)),
        Column("amount", required=True, parse=amount),
        Column("date", required=True, parse=imports.date),
        Column("note"),
        Column("active", parse=boolean, default=True),
    ]


def rows_of(source, **kwargs):
    return list(read_table(source, **kwargs))


def xlsx_bytes(rows, *, tweak=None):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if tweak:
        tweak(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def dry_run(data):
    return GrantImporter().run(data, dry_run=True)


# --- reading CSV -------------------------------------------------------------


@pytest.mark.parametrize("prefix", [b"", b"\xef\xbb\xbf"], ids=["no-bom", "bom"])
def test_utf8_csv_with_and_without_bom(prefix):
    table = read_table(prefix + "name,city\nCafé,Zaandam\n".encode())
    assert table.headers == ["name", "city"]
    assert list(table) == [(2, {"name": "Café", "city": "Zaandam"})]


def test_windows_1252_csv():
    data = "name;amount\nÉcole;€ 12,50\n".encode("cp1252")
    assert rows_of(data) == [(2, {"name": "École", "amount": "€ 12,50"})]


def test_semicolon_file_with_decimal_commas():
    data = b"code;amount;date\nGM0363;1.234,56;2022-03-01\n"
    assert rows_of(data) == [(2, {"code": "GM0363", "amount": "1.234,56", "date": "2022-03-01"})]


def test_quoted_fields_may_contain_the_delimiter_and_newlines():
    data = b'name,amount\n"Smit, J.","1,234.56"\n"two\nlines",5\nlast,6\n'
    assert rows_of(data) == [
        (2, {"name": "Smit, J.", "amount": "1,234.56"}),
        (3, {"name": "two\nlines", "amount": "5"}),
        (5, {"name": "last", "amount": "6"}),
    ]


def test_headers_match_case_and_space_insensitively_and_by_alias():
    data = b"  GemeenteCode ;AMOUNT; Date \n363;10;2022-03-01\n"
    result = dry_run(data)
    assert result.ok, result.error_lines()
    assert result.rows[0]["code"] == "GM0363"


def test_empty_rows_are_skipped_but_line_numbers_stay_physical():
    data = b"code,amount,date\n\n,,\n363,x,2022-03-01\n"
    assert [str(e) for e in dry_run(data).errors] == [
        'regel 4: amount: "x" is geen geldig bedrag (bijvoorbeeld 1.234,56)'
    ]


# --- value parsers -----------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1234.56", "1234.56"),
        ("1234,56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("EUR 1.234,56", "1234.56"),
        ("€ 1.234,56", "1234.56"),
        ("€\xa01.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("-1.234,56", "-1234.56"),
        ("€ -1.234,56", "-1234.56"),
        ("1.234", "1234.00"),
        ("1,234,567", "1234567.00"),
        ("12,5", "12.50"),
        ("7", "7.00"),
        (Decimal("0.30000000000000004"), "0.30"),
        (12, "12.00"),
    ],
)
def test_amount_formats(raw, expected):
    parsed = amount(raw)
    assert parsed == Decimal(expected)
    assert parsed.as_tuple().exponent == -2


@pytest.mark.parametrize(
    "raw", ["abc", "1.23.4,5", "12,34,5", "1,2.3", "--5", "€", "1e5", "NaN", ",5", True]
)
def test_amount_rejects_garbage(raw):
    with pytest.raises(ImportValueError, match="geen geldig bedrag"):
        amount(raw)


@pytest.mark.parametrize("raw", ["0,125", "0,005", "1.2345", Decimal("12.345")])
def test_amount_with_fractions_of_a_cent_is_refused_not_rounded(raw):
    with pytest.raises(ImportValueError, match="meer dan twee decimalen"):
        amount(raw)


def test_numbers_with_three_decimals():
    assert decimal_number("33,125") == Decimal("33.125")
    assert decimal_number("33,4") == Decimal("33.4")
    assert integer("1.234") == 1234
    assert integer(Decimal("3.0")) == 3
    with pytest.raises(ImportValueError):
        integer("3,5")


def test_small_count_hides_suppressed_values():
    assert small_count("<5") is None
    assert small_count("12") == 12


@pytest.mark.parametrize(
    "raw", ["2022-03-01", "01-03-2022", "1-3-2022", datetime(2022, 3, 1), date(2022, 3, 1)]
)
def test_dates(raw):
    assert imports.date(raw) == date(2022, 3, 1)


@pytest.mark.parametrize("raw", ["31-02-2022", "2022-13-01", "01/03/2022", "gisteren"])
def test_invalid_dates(raw):
    with pytest.raises(ImportValueError, match="geen geldige datum"):
        imports.date(raw)


def test_booleans():
    assert [boolean(v) for v in ("true", "JA", "yes", "1", "WAAR", True)] == [True] * 6
    assert [boolean(v) for v in ("false", "Nee", "no", "0", "ONWAAR", 0)] == [False] * 6
    with pytest.raises(ImportValueError):
        boolean("misschien")


def test_blank_values_use_the_default_or_are_required():
    assert Column("active", parse=boolean, default=True).clean("") is True
    with pytest.raises(ImportValueError, match="waarde ontbreekt"):
        Column("amount", required=True, parse=amount).clean("")
    assert Column("note", required=True, blank=True).clean("") is None


@pytest.mark.parametrize("raw", ["GM0363", "gm0363", "0363", "363", 363])
def test_municipality_codes(raw):
    assert normalise_municipality_code(raw) == "GM0363"


@pytest.mark.parametrize("raw", ["GM03630", "AB0363", "0", ""])
def test_invalid_municipality_codes(raw):
    with pytest.raises(ImportValueError):
        normalise_municipality_code(raw)


def test_location_choice_and_multi():
    assert location_code(" 12ab00 ") == "12AB00"
    with pytest.raises(ImportValueError):
        location_code("12AB0")
    assert choice(["PO", "VO"])("vo") == "VO"
    with pytest.raises(ImportValueError, match="toegestaan: PO, VO"):
        choice(["PO", "VO"])("MBO")
    assert multi()("taal | rekenen||") == ["taal", "rekenen"]
    assert multi(integer, sep=",")("1,2") == [1, 2]


# --- reading XLSX ------------------------------------------------------------


def test_xlsx_numbers_dates_and_empty_rows():
    data = xlsx_bytes(
        [
            ["Code", "Amount", "Date", "Note"],
            [363, 1234.56, datetime(2022, 3, 1), "  hallo "],
            [None, None, None, None],
            ["GM0014", 0.1, date(2022, 12, 31), None],
        ]
    )
    result = dry_run(data)
    assert result.ok, result.error_lines()
    assert [(r["_line"], r["code"], r["amount"], r["date"], r["note"]) for r in result.rows] == [
        (2, "GM0363", Decimal("1234.56"), date(2022, 3, 1), "hallo"),
        (4, "GM0014", Decimal("0.10"), date(2022, 12, 31), None),
    ]


def test_xlsx_float_with_three_decimals_is_not_read_as_thousands():
    data = xlsx_bytes([["weging"], [33.125]])
    assert rows_of(data) == [(2, {"weging": Decimal("33.125")})]
    assert decimal_number(Decimal("33.125")) == Decimal("33.125")


def test_xlsx_is_detected_by_content_not_name():
    data = xlsx_bytes([["code"], ["GM0363"]])
    assert rows_of(data, filename="upload.csv") == [(2, {"code": "GM0363"})]


def test_xlsx_formula_text_is_rejected():
    def add_formula_text(sheet):
        sheet["B2"].value = "=SUM(A1:A9)"
        sheet["B2"].data_type = "s"  # stored as text, as left by some exporters

    data = xlsx_bytes(
        [["code", "amount", "date"], [363, None, "2022-03-01"]], tweak=add_formula_text
    )
    assert [str(e) for e in dry_run(data).errors] == [
        "regel 2: amount: formules worden niet geaccepteerd; plak de waarden (Plakken speciaal > Waarden)"
    ]


def test_xlsx_with_a_real_formula_is_refused_not_read_as_its_cached_value():
    def add_formula(sheet):
        sheet["B2"] = "=10*100"

    data = xlsx_bytes([["code", "amount", "date"], [363, None, "2022-03-01"]], tweak=add_formula)
    assert [str(e) for e in dry_run(data).errors] == [
        "regel 2: amount: formules worden niet geaccepteerd; plak de waarden (Plakken speciaal > Waarden)"
    ]


def test_thousands_of_trailing_styled_empty_xlsx_rows_are_skipped():
    def style_empty_rows(sheet):
        for row in range(3, 5003):
            for column in range(1, 4):
                sheet.cell(row, column).font = Font(bold=True)

    data = xlsx_bytes([["code", "amount", "date"], [363, 5, "2022-03-01"]], tweak=style_empty_rows)
    result = dry_run(data)
    assert result.ok and len(result.rows) == 1


# --- file-level errors -------------------------------------------------------


def test_missing_columns_are_named():
    result = dry_run(b"code;note\n363;x\n")
    assert result.file_errors == ["ontbrekende kolommen: amount, date"]
    assert not result.ok


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "het bestand is leeg"),
        (b"  \r\n", "het bestand is leeg"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "geen CSV- of Excel-bestand"),
        (bytes(range(256)) * 4, "geen CSV- of Excel-bestand"),
        (b"PK\x03\x04garbage", "Excel-bestand kan niet worden gelezen"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ".xls"),
        (b";;;\n;;\n", "geen kopregel"),
        (b"code,amount,date\n\n,,\n", "geen gegevensregels"),
        (b"code,amount,code\n1,2,3\n", "dubbele kolommen: code"),
        (
            b"code,amount,date\n\x81\x8d,1,2022-03-01\n",
            "tekenset van het bestand wordt niet herkend",
        ),
        (b'code,amount,date\n"never closed' + b"x" * 200_000, "kan niet worden gelezen (regel 2)"),
    ],
)
def test_file_errors(data, message):
    result = dry_run(data)
    assert len(result.file_errors) == 1 and message in result.file_errors[0]
    assert result.rows == [] and result.errors == []


def test_read_table_raises_for_a_file_named_xlsx_that_is_not_one():
    with pytest.raises(ImportFileError, match="geen geldig Excel-bestand"):
        read_table(b"code\n1\n", filename="data.XLSX")


# --- all or nothing ----------------------------------------------------------


class StrictImporter(GrantImporter):
    def clean_row(self, row, line):
        if row["amount"] < 0:
            raise ImportValueError("bedrag mag niet negatief zijn", column="amount")
        return row

    def validate_all(self, rows):
        return imports.duplicate_rows(rows, "code", "date")

    def save(self, rows):
        raise AssertionError("an invalid file must not be saved")


def test_every_invalid_row_is_reported_and_nothing_is_saved():
    data = (
        "code;amount;date;active\n"
        "363;1.234,56;2022-03-01;ja\n"  # 2 ok
        "abc;12;01-03-2022;\n"  # 3 bad code
        "14;-5;2022-03-01;nee\n"  # 4 cross-field check
        ";;;\n"  # 5 empty, skipped
        "363;1;2022-03-01;ja\n"  # 6 duplicate of 2
        "363;x;31-02-2022;misschien\n"  # 7 three errors
        "=cmd;;2022-03-01;\n"  # 8 formula, missing amount
    ).encode("cp1252")
    result = StrictImporter().run(data)
    assert not result.ok
    assert result.error_lines() == [
        'regel 3: code: "abc" is geen geldige gemeentecode (bijvoorbeeld GM0363)',
        "regel 4: amount: bedrag mag niet negatief zijn",
        "regel 6: code, date: komt al voor op regel 2",
        'regel 7: amount: "x" is geen geldig bedrag (bijvoorbeeld 1.234,56)',
        'regel 7: date: "31-02-2022" is geen geldige datum (gebruik jjjj-mm-dd of dd-mm-jjjj)',
        'regel 7: active: "misschien" is geen ja/nee-waarde',
        "regel 8: code: formules worden niet geaccepteerd; plak de waarden (Plakken speciaal > Waarden)",
        "regel 8: amount: waarde ontbreekt",
    ]
    assert result.created == result.updated == 0


def test_dry_run_returns_cleaned_rows_and_a_preview():
    data = b"code,amount,date\n" + b"".join(b"%d,%d,01-03-2022\n" % (i, i) for i in range(1, 31))
    result = GrantImporter().run(data, dry_run=True, preview_rows=3)
    assert result.ok
    assert len(result.rows) == 30
    assert result.preview == [
        {
            "_line": n,
            "code": f"GM{n - 1:04d}",
            "amount": Decimal(n - 1),
            "date": date(2022, 3, 1),
            "note": None,
            "active": True,
        }
        for n in (2, 3, 4)
    ]


def test_hundred_thousand_rows_parse_and_validate_quickly():
    data = b"code;amount;date;note\r\n" + b"GM0363;1.234,56;01-03-2022;tekst\r\n" * 100_000
    result = dry_run(data)
    assert result.ok and len(result.rows) == 100_000
    assert result.rows[-1]["_line"] == 100_001


# --- management command helper -----------------------------------------------


def test_run_import_command_reports_errors_on_stderr(tmp_path):
    path = tmp_path / "grants.csv"
    path.write_bytes(b"code,amount,date\n363,x,2022-03-01\n")
    stdout, stderr = io.StringIO(), io.StringIO()
    assert run_import_command(GrantImporter(), path, stdout, stderr) == 1
    assert stderr.getvalue() == (
        'regel 2: amount: "x" is geen geldig bedrag (bijvoorbeeld 1.234,56)\n'
    )
    assert stdout.getvalue() == ""


def test_run_import_command_dry_run_and_missing_file(tmp_path):
    path = tmp_path / "grants.csv"
    path.write_bytes(b"code,amount,date\n363,1,2022-03-01\n")
    stdout, stderr = io.StringIO(), io.StringIO()
    assert run_import_command(GrantImporter(), path, stdout, stderr, dry_run=True) == 0
    assert stdout.getvalue().startswith("1 regels gecontroleerd")
    assert run_import_command(GrantImporter(), tmp_path / "nope.csv", stdout, stderr) == 1
    assert "kan het bestand niet openen" in stderr.getvalue()


# --- exports -----------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+31 6", "'+31 6"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("gewoon", "gewoon"),
        ("", ""),
        (Decimal("-5"), Decimal("-5")),
        (-3, -3),
        (None, None),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


EXPORT_HEADER = ["code", "amount", "date", "note", "active"]
EXPORT_ROWS = [
    ["GM0363", Decimal("1234.56"), date(2022, 3, 1), "=HYPERLINK(x)", True],
    ["GM0014", Decimal("-5.00"), date(2022, 12, 31), 'Café; "quoted"', False],
]


def test_write_csv_is_dutch_excel_friendly_and_round_trips():
    data = write_csv(EXPORT_ROWS, EXPORT_HEADER)
    assert data.startswith(b"\xef\xbb\xbfcode;amount;date;note;active\r\n")
    assert b"1234,56" in data and b";-5,00;" in data
    result = dry_run(data)
    assert result.ok, result.error_lines()
    assert [(r["amount"], r["date"], r["note"], r["active"]) for r in result.rows] == [
        (Decimal("1234.56"), date(2022, 3, 1), "'=HYPERLINK(x)", True),
        (Decimal("-5.00"), date(2022, 12, 31), 'Café; "quoted"', False),
    ]


def test_write_xlsx_keeps_types_and_round_trips():
    data = write_xlsx(EXPORT_ROWS, EXPORT_HEADER, sheet_title="Subsidies")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.title == "Subsidies"
    assert sheet["B3"].value == -5 and sheet["B3"].data_type == "n"
    assert sheet["C2"].is_date
    assert sheet["D2"].value == "'=HYPERLINK(x)"
    result = dry_run(data)
    assert result.ok, result.error_lines()
    assert [(r["code"], r["amount"], r["date"], r["active"]) for r in result.rows] == [
        ("GM0363", Decimal("1234.56"), date(2022, 3, 1), True),
        ("GM0014", Decimal("-5.00"), date(2022, 12, 31), False),
    ]


# --- saving (database) -------------------------------------------------------


class GroupImporter(Importer):
    columns = [Column("name", required=True)]

    def save(self, rows):
        groups = [Group(name=row["name"]) for row in rows]
        return bulk_upsert(Group, groups, unique_fields=["name"], update_fields=["name"])


class ImportGroupsCommand(BaseImportCommand):
    importer_class = GroupImporter


@pytest.mark.django_db
def test_bulk_upsert_counts_created_updated_and_unchanged_on_a_composite_key():
    content_type = ContentType.objects.get_for_model(Group)
    current = Permission.objects.get(content_type=content_type, codename="add_group").name

    def upsert(**names):
        permissions = [
            Permission(content_type=content_type, codename=codename, name=name)
            for codename, name in names.items()
        ]
        return bulk_upsert(
            Permission,
            permissions,
            unique_fields=["content_type", "codename"],
            update_fields=["name"],
            batch_size=2,
        )

    names = {"add_group": current, "change_group": "Wijzig groep", "export_group": "Exporteer"}
    assert upsert(**names) == (1, 1, 1)
    assert Permission.objects.get(content_type=content_type, codename="change_group").name == (
        "Wijzig groep"
    )
    assert Permission.objects.filter(content_type=content_type, codename="export_group").exists()
    assert upsert(**names) == (0, 0, 3)


@pytest.mark.django_db
def test_run_saves_valid_files_and_counts():
    data = b"Name\nleraren\nouders\n"
    first = GroupImporter().run(data)
    assert (first.ok, first.created, first.updated, first.unchanged) == (True, 2, 0, 0)
    assert GroupImporter().run(data).summary == "2 regels: 0 nieuw, 0 bijgewerkt, 2 ongewijzigd"
    assert GroupImporter().run(b"name\nextra\n", dry_run=True).created == 0
    assert sorted(Group.objects.values_list("name", flat=True)) == ["leraren", "ouders"]


@pytest.mark.django_db
def test_a_failing_save_leaves_nothing_behind():
    class FailingImporter(GroupImporter):
        def save(self, rows):
            super().save(rows)
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        FailingImporter().run(b"name\nleraren\n")
    assert not Group.objects.filter(name="leraren").exists()


@pytest.mark.django_db
def test_import_command(tmp_path):
    path = tmp_path / "groups.csv"
    path.write_bytes(b"name\nleraren\n")
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(ImportGroupsCommand(), str(path), stdout=stdout, stderr=stderr)
    assert stdout.getvalue() == "1 regels: 1 nieuw, 0 bijgewerkt, 0 ongewijzigd\n"

    path.write_bytes(b"naam\nleraren\n")
    with pytest.raises(SystemExit) as exit_info:
        call_command(ImportGroupsCommand(), str(path), "--dry-run", stdout=stdout, stderr=stderr)
    assert exit_info.value.code == 1
    assert stderr.getvalue() == "ontbrekende kolommen: name\n"


def test_xlsx_exports_are_readable_spreadsheets():
    """Issue 12 §6: bold frozen header with an autofilter, amounts as euro numbers, dates as
    dates, widths set to the content."""
    import io
    from datetime import date
    from decimal import Decimal

    data = write_xlsx(
        [
            [
                "OBS De Vlonder met een lange naam",
                Decimal("1034000.50"),
                date(2023, 4, 26),
                12,
                Decimal("12.5"),
            ]
        ],
        ["School", "Bedrag", "Datum", "Aantal", "Aandeel (%)"],
        sheet_title="Lijst",
    )
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:E2"
    assert sheet["A1"].font.bold
    assert sheet["B2"].value == Decimal("1034000.50") or sheet["B2"].value == 1034000.5
    assert "€" in sheet["B2"].number_format and sheet["C2"].number_format == "DD-MM-YYYY"
    assert sheet["C2"].is_date and sheet["D2"].number_format == "#,##0"
    assert "€" not in sheet["E2"].number_format
    assert sheet.column_dimensions["A"].width >= len("OBS De Vlonder met een lange naam")
    assert sheet.column_dimensions["C"].width < sheet.column_dimensions["A"].width
