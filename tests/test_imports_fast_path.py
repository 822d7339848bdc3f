"""The fast path of the import framework (issue 14 §5): each column's cell cleaner answers the
common well-formed cell itself and hands everything else to ``Column.clean``. It must never
accept what ``Column.clean`` refuses, nor return anything else than it returns."""

import io
import random
from decimal import Decimal

import openpyxl
import pytest

from funding.models import Expenditure
from portal import limits
from portal.imports import Column, Importer, ImportValueError, framework, read_table
from portal.imports import parsers as p

SUPPLIER = Expenditure._meta.get_field("supplier")
AMOUNT = Expenditure._meta.get_field("amount")
MONTHS = Expenditure._meta.get_field("depreciation_months")

COLUMNS = {
    "text": Column("supplier", required=True, field=SUPPLIER),
    "free text": Column("note"),
    "optional text": Column("invoice", default="", field=SUPPLIER),
    "amount": Column("amount", required=True, parse=p.amount, field=AMOUNT),
    "amount, no field": Column("amount", parse=p.amount),
    "date": Column("date", required=True, parse=p.date),
    "choice": Column("kind", parse=p.choice(["overig", "ICT"]), default="overig"),
    "boolean": Column("flag", parse=p.boolean, default=False),
    "municipality": Column("municipality", required=True, parse=p.municipality_code),
    "integer": Column("months", parse=p.integer, field=MONTHS),
    "location": Column("school", parse=p.location_code),
    "list": Column("themes", parse=p.multi()),
}

CELLS = [
    "",
    " ",
    "0",
    "1",
    "12",
    "-0,00",
    "+12,5",
    "1234,56",
    "1234.56",
    "-1234,5",
    "1.234,56",
    "1,234.56",
    "12,345",
    "1.234",
    "12,3456",
    "0,001",
    "007,50",
    "999999999999,99",
    "1000000000000,00",
    "9" * 40,
    "€ 12,50",
    "EUR -1,00",
    "1 234,56",
    "12,",
    ",50",
    "1e3",
    "NaN",
    "٣",
    "²",
    "01-03-2023",
    "1-3-2023",
    "2023-03-01",
    "31-02-2023",
    "01-03-0001",
    "01-03-9999",
    "00-00-2023",
    "ja",
    "WAAR",
    "misschien",
    "overig",
    "ict",
    "GM0363",
    "363",
    "GM0000",
    "16sw03",
    "16SW03",
    "taal|rekenen",
    "=SUM(A1:A3)",
    "=1",
    "Leverancier B.V.",
    "Café Één",
    "x" * 200,
    "x" * 201,
    "tab\there",
    "nbsp\xa0here",
    "soft\xadhyphen",
    "nul\x00byte",
    "bell\x07",
    "del\x7f",
    "bidi\u202eoverride",
    "isolate\u2066x",
    "zero\u200bwidth",
    "2147483647",
    "2147483648",
    "-1",
]


def outcome(column, value):
    try:
        return "ok", column.clean(value)
    except ImportValueError as error:
        return "refused", str(error)


def same(a, b):
    """Equal, of the same type, and for Decimals with the same exponent (``1.50`` != ``1.5``:
    the preview and the staging table show them)."""
    return type(a) is type(b) and a == b and (not isinstance(a, Decimal) or str(a) == str(b))


@pytest.mark.parametrize("kind", list(COLUMNS))
def test_the_fast_path_gives_what_column_clean_gives_or_hands_over(kind):
    column = COLUMNS[kind]
    fast = framework.cell_cleaner(column)
    for value in CELLS * 2:  # twice: the second pass answers from the memo
        result, expected = fast(value), outcome(column, value)
        if result is framework._FULL:
            continue
        assert expected[0] == "ok", (kind, value, expected)
        assert same(result, expected[1]), (kind, value, result, expected)


def test_the_fast_path_takes_the_common_cells_itself():
    # Otherwise the tests above would pass by handing everything over.
    common = {
        "text": "Leverancier 12",
        "amount": "1234,56",
        "date": "01-03-2023",
        "choice": "overig",
        "boolean": "false",
        "municipality": "GM0363",
        "integer": "36",
        "location": "16SW03",
    }
    for kind, value in common.items():
        assert framework.cell_cleaner(COLUMNS[kind])(value) is not framework._FULL, kind


def test_amounts_written_every_plain_way_give_the_same_decimal():
    rng = random.Random(14)
    column, fast = COLUMNS["amount"], framework.cell_cleaner(COLUMNS["amount"])
    for _ in range(5000):
        whole = str(rng.choice([0, 1, 7, 12, 999, 1000, 123456, 10**11, rng.randrange(10**12)]))
        fraction = rng.choice(["", "0", "5", "05", "50", "99"])
        sign = rng.choice(["", "-", "+"])
        value = f"{sign}{whole}{rng.choice(',.')}{fraction}" if fraction else f"{sign}{whole}"
        result = fast(value)
        assert result is not framework._FULL, value
        assert same(result, column.clean(value)), value


def test_no_text_the_limits_refuse_passes_the_fast_path():
    fast = framework.cell_cleaner(COLUMNS["text"])
    refused = []
    for code in range(0x110000):
        char = chr(code)
        try:
            limits.check_text(char, None)
        except limits.LimitError:
            refused.append(char)
    assert "\x00" in refused and "\u202e" in refused
    for char in refused:
        assert fast(f"a{char}b") is framework._FULL, repr(char)


def test_typed_xlsx_cells_take_the_full_path():
    for kind in ("amount", "date", "integer", "boolean", "text"):
        fast = framework.cell_cleaner(COLUMNS[kind])
        for value in (Decimal("12.5"), 3, True, 0):
            assert fast(value) is framework._FULL


def test_the_memo_stays_bounded_and_right_beyond_its_size(monkeypatch):
    monkeypatch.setattr(framework, "MEMO_SIZE", 10)
    column = COLUMNS["integer"]
    fast = framework.cell_cleaner(column)
    memo = next(c.cell_contents for c in fast.__closure__ if isinstance(c.cell_contents, dict))
    results = [fast(str(n)) for n in range(100)]
    # the first ten are remembered; the others go to Column.clean, one by one
    assert results == list(range(10)) + [framework._FULL] * 90
    assert len(memo) == 10 and fast("3") == 3
    assert fast("-1") is framework._FULL  # refusals are never remembered
    assert len(memo) == 10


class Lines(Importer):
    columns = list(
        {c.name: c for c in COLUMNS.values() if c.name not in ("note", "themes")}.values()
    )

    def save(self, rows):
        return len(rows), 0, 0


def test_a_file_gives_the_same_rows_and_errors_as_column_clean():
    rng = random.Random(5)
    header = [c.name for c in Lines.columns]
    lines = [";".join(header)]
    # (a NUL byte makes the whole file unreadable: tested in test_imports_readers)
    cells = [c for c in CELLS if "\x00" not in c]
    valid = {c.name: [v for v in cells if outcome(c, v)[0] == "ok"] for c in Lines.columns}
    for _ in range(400):
        row = [rng.choice(valid[name]) for name in header]
        if rng.random() < 0.5:  # one cell anything at all
            row[rng.randrange(len(row))] = rng.choice(cells)
        lines.append(";".join(row))
    data = "\n".join(lines).encode()
    result = Lines().run(data, filename="x.csv", dry_run=True)
    # the same rows, cleaned one cell at a time by Column.clean alone
    expected_rows, expected_errors = [], []
    for line, cells in read_table(data):
        row, problems = {"_line": line}, []
        for column in Lines.columns:
            kind, value = outcome(column, cells.get(column.name, ""))
            if kind == "ok":
                row[column.name] = value
            else:
                problems.append(f"regel {line}: {column.name}: {value}")
        expected_errors += problems
        if not problems:
            expected_rows.append(row)
    assert [str(e) for e in result.errors] == expected_errors
    assert result.rows == expected_rows and len(result.rows) > 0 and result.errors


def test_typed_zero_cells_of_a_sheet_are_not_an_empty_row():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["a", "b"])
    sheet.append([0, None])
    sheet.append([None, None])
    sheet.append(["x", "y"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = [(line, cells) for line, cells in read_table(buffer.getvalue())]
    assert rows == [(2, {"a": 0, "b": ""}), (4, {"a": "x", "b": "y"})]
