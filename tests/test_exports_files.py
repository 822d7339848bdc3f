"""The CSV/XLSX exports (portal.exports): formula-injection-safe cells, Dutch Excel CSV and
typed XLSX that round-trip through the import framework, readable spreadsheets."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from portal.exports import safe_cell, write_csv, write_xlsx

from .import_files import dry_run

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
