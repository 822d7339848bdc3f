"""CSV and XLSX exports: Dutch Excel notation, typed cells, and formula-injection safe text
(OWASP advice)."""

import csv
import io
from collections.abc import Iterable
from datetime import date as Date
from datetime import datetime, time
from decimal import Decimal
from itertools import chain, islice

import openpyxl
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django_scopes import get_scope, scope
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

# --- exports -----------------------------------------------------------------

CENT = Decimal("0.01")

_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Neutralise spreadsheet formula injection in exported text (OWASP advice)."""
    if isinstance(value, str) and value.startswith(_FORMULA_TRIGGERS):
        return "'" + value
    return value


def _local(value):
    """Aware datetimes as local wall-clock time: spreadsheets have no time zones."""
    if isinstance(value, datetime) and value.tzinfo:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _csv_text(value) -> str:
    """Dutch Excel notation (decimal comma, ja/nee), which read_table reads back.

    Numbers, negative ones included, are not formulas and skip safe_cell.
    """
    value = _local(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, Decimal):
        # Amounts to the cent even where the database dropped the scale (SQLite's SUM gives
        # 4000 and 87250.5); more decimals stay as they are.
        if value.is_finite() and value.as_tuple().exponent > -2:
            value = value.quantize(CENT)
        return format(value, "f").replace(".", ",")  # never exponent notation
    if isinstance(value, (int, float)):
        return str(value).replace(".", ",")
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (Date, time)):
        return value.isoformat()
    return safe_cell(str(value))


def _xlsx_value(value):
    """Numbers and dates stay typed, so Excel can sum and sort them."""
    value = _local(value)
    if value is None or isinstance(value, (int, float, Decimal, Date, time)):
        return value
    return safe_cell(str(value))


class _Echo:
    """A file-like object whose ``write`` returns the line instead of storing it."""

    def write(self, value):
        return value


def iter_csv(rows: Iterable[Iterable], header: Iterable[str], *, chunk_rows=500):
    """The bytes of write_csv in chunks of ``chunk_rows`` rows, consuming ``rows`` lazily, so
    an export's memory is flat in the number of rows (issue 14 §4). UTF-8 with BOM and ``;``."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff".encode() + writer.writerow([safe_cell(str(h)) for h in header]).encode()
    chunk = []
    for row in rows:
        chunk.append(writer.writerow([_csv_text(value) for value in row]))
        if len(chunk) >= chunk_rows:
            yield "".join(chunk).encode()
            chunk = []
    if chunk:
        yield "".join(chunk).encode()


def write_csv(rows: Iterable[Iterable], header: Iterable[str]) -> bytes:
    """UTF-8 with BOM and ``;``, which Dutch Excel opens without an import wizard."""
    return b"".join(iter_csv(rows, header))


def _in_current_scope(chunks):
    """Run the generator ``chunks`` under the tenant scope of the request that made it: a
    streamed body is produced after the view (and the middleware's scope) returned."""
    current = {k: v for k, v in get_scope().items() if k != "_enabled"}
    enabled = get_scope().get("_enabled", True)

    def produce():
        with scope(_enabled=enabled, **current):
            yield from chunks

    return produce()


def csv_response(rows: Iterable[Iterable], header: Iterable[str], name: str):
    """A streamed CSV download ``<name>.csv`` (StreamingHttpResponse over iter_csv): pass a
    lazy ``rows`` (a queryset's ``iterator()``) to keep memory flat."""
    response = StreamingHttpResponse(
        _in_current_scope(iter_csv(rows, header)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


# Readable spreadsheets (issue 12 §6): amounts as numbers in euro, dates as dates, columns as
# wide as their content, the header row bold, frozen and with an autofilter.
EURO_FORMAT = "[$€-413] #,##0.00;[$€-413] -#,##0.00"
INTEGER_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00"
DATE_FORMAT = "DD-MM-YYYY"
DATETIME_FORMAT = "DD-MM-YYYY HH:MM"
_WIDTH_SAMPLE = 500  # rows measured for the column widths (a streaming sheet sets them first)


def _number_format(value, header: str):
    """The Excel number format of a typed cell: Decimals are euro amounts unless the column
    header says they are a percentage, a share or a count."""
    if isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return DATETIME_FORMAT
    if isinstance(value, Date):
        return DATE_FORMAT
    if isinstance(value, Decimal):
        return DECIMAL_FORMAT if "%" in header else EURO_FORMAT
    if isinstance(value, int):
        return INTEGER_FORMAT
    return None


def _display_width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, (Date, datetime)):
        return 16 if isinstance(value, datetime) else 10
    if isinstance(value, Decimal):
        return len(f"{value:,.2f}") + 3
    return max((len(line) for line in str(value).splitlines()), default=0)


def write_xlsx(rows: Iterable[Iterable], header: Iterable[str], sheet_title="Export") -> bytes:
    """A streaming (write-only) workbook with one sheet (``add_sheet``)."""
    workbook = openpyxl.Workbook(write_only=True)
    add_sheet(workbook, rows, header, sheet_title)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def add_sheet(workbook, rows: Iterable[Iterable], header: Iterable[str], title: str):
    """Append a sheet to a write-only ``workbook``: ``header`` as a bold, frozen row with an
    autofilter; numbers and dates as typed cells with nl-NL formats (euro for Decimals, see
    ``_number_format``); column widths from the header and the first 500 rows (capped at 60
    characters). ``rows``: any iterable of value sequences, consumed once. Text is
    formula-injection safe (``safe_cell``)."""
    header = [str(h) for h in header]
    rows = iter(rows)
    sample = [[_xlsx_value(v) for v in row] for row in islice(rows, _WIDTH_SAMPLE)]
    sheet = workbook.create_sheet(title=str(title)[:31])  # Excel's limit
    for i, title in enumerate(header):
        width = max([len(title)] + [_display_width(r[i]) for r in sample if i < len(r)])
        sheet.column_dimensions[get_column_letter(i + 1)].width = min(60, width + 2)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=safe_cell(title))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    count = 0
    for values in chain(sample, ([_xlsx_value(v) for v in row] for row in rows)):
        out = []
        for i, value in enumerate(values):
            number_format = _number_format(value, header[i] if i < len(header) else "")
            if number_format:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = number_format
                out.append(cell)
            else:
                out.append(value)
        sheet.append(out)
        count += 1
    if header:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
    return sheet


def export_response(rows, header, name: str, fmt: str, *, sheet_title: str | None = None):
    """A CSV (``fmt == "csv"``, streamed: csv_response) or XLSX download named
    ``<name>.<fmt>`` of ``rows`` under ``header`` (formula-injection safe, Dutch Excel notation:
    iter_csv / write_xlsx)."""
    if fmt == "csv":
        return csv_response(rows, header, name)
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    title = sheet_title or name.capitalize()
    response = HttpResponse(write_xlsx(rows, header, sheet_title=title), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
