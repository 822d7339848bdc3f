"""Reading an upload: CSV (any common encoding and delimiter) or XLSX, recognised by content,
as a normalised header plus a one-pass stream of rows."""

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime, time
from decimal import Decimal

import openpyxl
from django.utils.translation import gettext_lazy as _

from .. import csv_dialect
from .parsers import Cell, ImportFileError

# --- reading files -----------------------------------------------------------


class Table:
    """The normalised header of a file and a one-pass stream of its data rows.

    Iterating yields ``(line, {header: cell})`` with the physical line number
    (header = line 1); entirely empty rows are skipped.
    """

    def __init__(
        self,
        headers: list[str],
        rows: Iterator[tuple[int, dict[str, Cell]]],
        labels: dict[str, str] | None = None,
    ):
        self.headers = headers
        self._rows = rows
        #: normalised header -> the header as the file writes it (for messages: issue 11).
        self.labels = labels or {}

    def __iter__(self):
        return self._rows


_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls (and .doc)
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b")


def read_table(source, *, filename: str | None = None) -> Table:
    """Open bytes or a binary file (an upload), recognised by content, not name.

    ``filename`` only improves the message when a "spreadsheet" is not one.
    Raises ImportFileError for anything that is not a readable CSV or XLSX.
    """
    if not isinstance(source, (bytes, bytearray, memoryview)):
        if source.seekable():
            source.seek(0)  # a form may have peeked at the upload already
        source = source.read()
    data = bytes(source)
    if not data.strip():
        raise ImportFileError(_("het bestand is leeg"))
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(data)
    if data.startswith(_OLE_MAGIC):
        raise ImportFileError(
            _("oude Excel-bestanden (.xls) worden niet ondersteund; sla op als .xlsx of CSV")
        )
    if filename and filename.lower().endswith((".xlsx", ".xls")):
        raise ImportFileError(_("het bestand is geen geldig Excel-bestand"))
    if csv_dialect.is_utf16(data):
        return _read_csv(data)  # Excel's "Unicode text": NUL bytes are expected there
    if data.startswith(_BINARY_MAGIC) or b"\x00" in data[:8192]:
        raise ImportFileError(_("het bestand is geen CSV- of Excel-bestand (.csv of .xlsx)"))
    return _read_csv(data)


def _header(cells: list[Cell]) -> list[str]:
    headers = [str(cell).strip().lower() for cell in cells]
    duplicates = sorted({h for h in headers if h and headers.count(h) > 1})
    if duplicates:
        raise ImportFileError(_("dubbele kolommen: %s") % ", ".join(duplicates))
    return headers


def _labels(headers: list[str], cells: list[Cell]) -> dict[str, str]:
    return {h: str(cell).strip() for h, cell in zip(headers, cells, strict=False) if h}


def _records(headers: list[str], numbered: Iterable[tuple[int, list[Cell]]]):
    for line, cells in numbered:
        if any(cell != "" for cell in cells):
            yield line, {h: cell for h, cell in zip(headers, cells, strict=False) if h}


def _read_csv(data: bytes) -> Table:
    # Encoding, delimiter and Excel's "sep=" line: portal.csv_dialect.
    dialect = csv_dialect.detect(data)
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=dialect.encoding, newline="")
    for _skipped in range(dialect.skip_lines):
        stream.readline()
    reader = csv.reader(stream, delimiter=dialect.delimiter)

    def numbered():
        # line_num counts physical lines, so quoted multi-line cells keep
        # the line numbers users see in their editor.
        start = reader.line_num + dialect.skip_lines
        try:
            for record in reader:
                line, start = start + 1, reader.line_num + dialect.skip_lines
                yield line, [cell.strip() for cell in record]
        except UnicodeDecodeError as exc:
            message = _("de tekenset van het bestand wordt niet herkend; sla het op als UTF-8")
            raise ImportFileError(message) from exc
        except csv.Error as exc:
            message = _("het CSV-bestand kan niet worden gelezen (regel %d)")
            raise ImportFileError(message % reader.line_num) from exc

    rows = numbered()
    for _line, cells in rows:
        if any(cells):
            headers = _header(cells)
            return Table(headers, _records(headers, rows), _labels(headers, cells))
    raise ImportFileError(_("het bestand bevat geen kopregel"))


def _cell(value) -> Cell:
    """Normalise an openpyxl value; floats become exact Decimals via repr."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, datetime) and value.time() == time.min:
        return value.date()
    return value


def _read_xlsx(data: bytes) -> Table:
    """Stream the first sheet. Formulas are read as formulas (not data_only), so a cell that
    computes its value is refused with a message instead of importing whatever Excel last
    cached for it (issue: "a spreadsheet with formulas ... is refused")."""
    unreadable = _("het Excel-bestand kan niet worden gelezen")
    try:
        # openpyxl raises a zoo of exceptions on broken or non-xlsx zips.
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
    except Exception as exc:
        raise ImportFileError(unreadable) from exc
    # Declared dimensions are often wrong (rows cut off, or padding up to
    # column XFD); read what is there instead.
    sheet.reset_dimensions()

    def numbered(rows, first_line):
        try:
            for line, row in enumerate(rows, first_line):
                yield line, [_cell(value) for value in row]
        except Exception as exc:
            raise ImportFileError(unreadable) from exc

    head = numbered(sheet.iter_rows(values_only=True), 1)
    for line, cells in head:
        if any(cell != "" for cell in cells):
            head.close()
            headers = _header(cells)
            body = sheet.iter_rows(min_row=line + 1, max_col=len(headers), values_only=True)
            rows = _records(headers, numbered(body, line + 1))
            return Table(headers, rows, _labels(headers, cells))
    raise ImportFileError(_("het bestand bevat geen kopregel"))
