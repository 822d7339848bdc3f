"""Behaviour of the import framework (portal.imports): reading CSV and XLSX, file-level
errors, all or nothing, the command helper and saving (value parsers:
test_imports_parsers.py; exports: test_exports_files.py).

Only the save-path tests at the end use the database.
"""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from openpyxl.styles import Font

from portal import imports
from portal.imports import (
    BaseImportCommand,
    Column,
    Importer,
    ImportFileError,
    ImportValueError,
    bulk_upsert,
    decimal_number,
    read_table,
    run_import_command,
)

from .import_files import GrantImporter, dry_run, rows_of, xlsx_bytes

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
    assert stdout.getvalue().startswith("1 regel gecontroleerd")
    assert run_import_command(GrantImporter(), tmp_path / "nope.csv", stdout, stderr) == 1
    assert "kan het bestand niet openen" in stderr.getvalue()


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
    assert stdout.getvalue() == "1 regel: 1 nieuw, 0 bijgewerkt, 0 ongewijzigd\n"

    path.write_bytes(b"naam\nleraren\n")
    with pytest.raises(SystemExit) as exit_info:
        call_command(ImportGroupsCommand(), str(path), "--dry-run", stdout=stdout, stderr=stderr)
    assert exit_info.value.code == 1
    assert stderr.getvalue() == "ontbrekende kolommen: name\n"
