"""What the import framework tests share: a small grants importer, reading a file into
``[(line, row)]`` and building an XLSX file in memory."""

import io

import openpyxl

from portal import imports
from portal.imports import (
    Column,
    Importer,
    amount,
    boolean,
    normalise_municipality_code,
    read_table,
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
