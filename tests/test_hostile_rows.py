"""Hostile values in one row of every importer (issue 13 §6): refused with the line and the
column named, or accepted when valid; no partial write; bounded time and memory. Also the
cases of one kind that need a file of their own: encodings switching after 64 KB, keys that
differ after their column's length, XLSX dates and floats, and carry-over loops.
"""

import datetime

import pytest
from django_scopes import scopes_disabled

from funding.models import Expenditure

from .hostile_data import (
    ACCEPTED,
    REFUSED,
    SPECS,
    csv_bytes,
    municipality_with_rows,
    over_limit,
    run_bounded,
    xlsx_bytes,
)


def row_cases():
    for name, spec in SPECS.items():
        for column, kind in spec.kinds.items():
            for value in REFUSED[kind]:
                yield pytest.param(name, column, value, False, id=f"{name}-{column}-{value[:12]!r}")
            field = spec.fields.get(column)
            for value in ACCEPTED[kind]:
                if field is not None and len(value) > (getattr(field, "max_length", None) or 1e9):
                    continue
                yield pytest.param(name, column, value, True, id=f"{name}-{column}-ok-{value!r}")
        for column, field in spec.fields.items():
            value = over_limit(field)
            yield pytest.param(name, column, value, False, id=f"{name}-{column}-over-limit")
            if field.get_internal_type().startswith("Positive"):
                yield pytest.param(name, column, "-1", False, id=f"{name}-{column}-negative")


@pytest.fixture
def m(db):
    return municipality_with_rows()


@pytest.mark.parametrize(("importer", "column", "value", "valid"), list(row_cases()))
def test_hostile_value_in_a_row(m, importer, column, value, valid):
    spec = SPECS[importer]
    row = {**spec.row, column: value}
    data = csv_bytes([list(row), list(row.values())])
    result, before, after = run_bounded(spec, m, data)
    if valid:
        assert result.ok, result.error_lines()
        assert after != before  # written: a new row
        return
    assert not result.ok, f"accepted {value!r} in {column}"
    assert after == before  # all or nothing
    named = [e for e in result.errors if e.line == 2 and column in e.column.split(", ")]
    # A NUL byte makes a CSV a binary file: the reader names its line (it cannot know the column).
    where = "regel 2:" if "\x00" in value else f"regel 2: {column}:"
    in_file_error = [e for e in result.file_errors if where in e]
    assert named or in_file_error, result.error_lines()


def test_cp1252_after_64_kb_is_decoded_as_cp1252_on_every_importer(m):
    spec = SPECS["expenditures"]
    rows = [list(spec.row)]
    for n in range(1500):
        rows.append([*spec.row.values()])
        rows[-1][1] = f"B{n}"
    data = csv_bytes(rows)
    last = {**spec.row, "booking_id": "B-LAST", "supplier": "Café"}
    data += ";".join(last.values()).encode("cp1252") + b"\n"
    assert len(data) > 65536
    result, _before, _after = run_bounded(spec, m, data)
    assert result.ok, result.error_lines()[:3]
    with scopes_disabled():
        assert Expenditure.objects.get(booking_id="B-LAST").supplier == "Café"


def test_booking_ids_differing_after_character_50_are_refused_not_merged(m):
    spec = SPECS["expenditures"]
    prefix = "B" * 50
    rows = [list(spec.row), [*spec.row.values()], [*spec.row.values()]]
    rows[1][1], rows[2][1] = prefix + "1", prefix + "2"
    result, before, after = run_bounded(spec, m, csv_bytes(rows))
    assert not result.ok and after == before
    assert {(e.line, e.column) for e in result.errors} == {(2, "booking_id"), (3, "booking_id")}


def test_xlsx_dates_and_floats_of_the_sheet_are_checked(m):
    spec = SPECS["expenditures"]
    header = list(spec.row)
    row = list(spec.row.values())
    row[3] = datetime.datetime(1900, 1, 1)
    row[4] = 1e20
    result, before, after = run_bounded(spec, m, xlsx_bytes([header, row]), "x.xlsx")
    assert not result.ok and after == before
    assert {e.column for e in result.errors} == {"date", "amount"}


def test_a_carry_over_loop_is_refused(m):
    spec = SPECS["grants"]
    a = {**spec.row, "reference": "A", "carried_from": "B"}
    b = {**spec.row, "reference": "B", "carried_from": "A"}
    result, before, after = run_bounded(
        spec, m, csv_bytes([list(a), list(a.values()), list(b.values())])
    )
    assert not result.ok and after == before
    assert {(e.line, e.column) for e in result.errors} == {(2, "carried_from"), (3, "carried_from")}
