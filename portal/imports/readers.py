"""Reading an upload: CSV (any common encoding and delimiter) or XLSX, recognised by content,
as a normalised header plus a one-pass stream of rows.

Files are streamed, never read whole: the encoding of a CSV is decided on the whole file in a
first pass over 1 MB chunks (a file that switches from UTF-8 to Windows-1252 after 64 kB is
Windows-1252 everywhere, or refused), then the rows are decoded as they are read. The shape of
what is read is bounded by settings (issue 13 §3), each refused with a Dutch message naming the
line: ``IMPORT_MAX_COLUMNS`` (default 200), ``IMPORT_MAX_ROWS`` (default 2,000,000) and
``IMPORT_MAX_CELL_LENGTH`` (characters, default 10,000); XLSX archives are checked from their
zip directory first (portal.uploads.check_zip).

The structure is one step per concern so that each can be replaced alone: ``_csv_encoding``
(which text encoding; UTF-16 by its BOM), ``portal.csv_dialect.sniff`` (which separator, and
Excel's ``sep=`` line), ``_header`` and ``_records`` (the bounds every format shares).
"""

import codecs
import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime, time
from decimal import Decimal

import openpyxl
from django.utils.translation import gettext_lazy as _

from .. import csv_dialect, uploads
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


def max_columns() -> int:
    return uploads.limit("IMPORT_MAX_COLUMNS", 200)


def max_rows() -> int:
    return uploads.limit("IMPORT_MAX_ROWS", 2_000_000)


def max_cell_length() -> int:
    return uploads.limit("IMPORT_MAX_CELL_LENGTH", 10_000)


_CHUNK = 1 << 20


def read_table(source, *, filename: str | None = None) -> Table:
    """Open bytes or a seekable binary file (an upload, a file on disk) as a Table, recognised
    by content; a file is streamed, not read whole. ``filename`` is the declared name: a file
    named ``.xlsx`` must be one (an XLSX named ``.csv`` is read as what it is).
    Raises ImportFileError for anything that is not a readable CSV or XLSX within the limits."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = io.BytesIO(bytes(source))
    source.seek(0)  # a form may have peeked at the upload already
    first = source.read(8192)
    source.seek(0)
    if not first.strip():
        raise ImportFileError(_("het bestand is leeg"))
    kind = uploads.sniff(first)
    declared = (filename or "").lower()
    if kind == "zip":
        return _read_xlsx(source)
    if kind == "ole":
        raise ImportFileError(
            _("oude Excel-bestanden (.xls) worden niet ondersteund; sla op als .xlsx of CSV")
        )
    if declared.endswith((".xlsx", ".xls")):
        raise ImportFileError(_("het bestand is geen geldig Excel-bestand"))
    if csv_dialect.is_utf16(first):
        return _read_csv(source)  # Excel's "Unicode text": NUL bytes are expected there
    if kind not in ("text", "binary") or first.startswith(uploads.BINARY_MAGIC):
        raise ImportFileError(_("het bestand is geen CSV- of Excel-bestand (.csv of .xlsx)"))
    return _read_csv(source)  # NUL bytes are refused there, naming their line


def _header(cells: list[Cell]) -> list[str]:
    """The normalised header; duplicates are found in one pass (Counter), so a header of a
    million columns is refused at once for its width, not after hours of counting. Empty
    cells at the end (spreadsheet padding) do not count."""
    cells = list(cells)
    while cells and str(cells[-1]).strip() == "":
        cells.pop()
    if len(cells) > max_columns():
        raise ImportFileError(
            _("het bestand heeft %(count)d kolommen; de grens is %(limit)d")
            % {"count": len(cells), "limit": max_columns()}
        )
    headers = [str(cell).strip().lower() for cell in cells]
    counts = Counter(h for h in headers if h)
    duplicates = sorted(h for h, n in counts.items() if n > 1)
    if duplicates:
        raise ImportFileError(_("dubbele kolommen: %s") % ", ".join(duplicates))
    return headers


def _labels(headers: list[str], cells: list[Cell]) -> dict[str, str]:
    return {h: str(cell).strip() for h, cell in zip(headers, cells, strict=False) if h}


def _records(headers: list[str], numbered: Iterable[tuple[int, list[Cell]]]):
    """Data rows as ``(line, {header: cell})`` within the row, column and cell-length limits.

    Every row passes the same checks; the loop is written for a million rows (the limits read
    once, C-level ``list.count`` and ``max(map(len))`` for the all-text rows of a CSV, the
    per-cell loop only to name the culprit or for an XLSX row of typed cells)."""
    rows, row_limit, cell_limit = 0, max_rows(), max_cell_length()
    column_limit = max_columns()
    widest = max(len(headers), 1, column_limit)
    named = all(headers)  # no blank header: every cell is kept, by position
    for line, cells in numbered:
        if cells.count("") == len(cells):  # entirely empty ("" == 0 is False: typed zeros count)
            continue
        rows += 1
        if rows > row_limit:
            raise ImportFileError(
                _("het bestand heeft meer dan %(limit)d regels; splits het") % {"limit": row_limit}
            )
        if len(cells) > widest:
            raise ImportFileError(
                _("regel %(line)d heeft %(count)d kolommen; de grens is %(limit)d")
                % {"line": line, "count": len(cells), "limit": column_limit}
            )
        try:
            longest = max(map(len, cells[: len(headers)]), default=0)
        except TypeError:  # typed XLSX cells (numbers, dates) have no length: look at each
            longest = cell_limit + 1
        if longest > cell_limit:
            for header, cell in zip(headers, cells, strict=False):
                if isinstance(cell, str) and len(cell) > cell_limit:
                    raise ImportFileError(
                        _("regel %(line)d: %(column)s: de waarde is langer dan %(limit)d tekens")
                        % {"line": line, "column": header or "-", "limit": cell_limit}
                    )
        if named:
            yield line, dict(zip(headers, cells, strict=False))
        else:
            yield line, {h: cell for h, cell in zip(headers, cells, strict=False) if h}


def _csv_encoding(file) -> str:
    """The encoding of the whole file: UTF-8 (with or without BOM) if every byte of it is valid
    UTF-8, else Windows-1252. One pass in 1 MB chunks, holding no decoded copy; a NUL byte
    anywhere means the file is binary (ImportFileError)."""
    file.seek(0)
    bom = file.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8
    file.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, lines = True, 0
    while chunk := file.read(_CHUNK):
        nul = chunk.find(b"\x00")
        if nul >= 0:
            line = lines + chunk.count(b"\n", 0, nul) + 1
            raise ImportFileError(
                _(
                    "regel %d: een NUL-teken; het bestand is geen CSV- of Excel-bestand (.csv of .xlsx)"
                )
                % line
            )
        lines += chunk.count(b"\n")
        if utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    file.seek(0)
    if utf8:
        return "utf-8-sig" if bom else "utf-8"
    return "cp1252"


def _read_csv(file) -> Table:
    # Excel's "Unicode text" is UTF-16 with a BOM; anything else is UTF-8 or Windows-1252,
    # decided on the whole file. Delimiter (tab, ";", ",") and Excel's "sep=" first line:
    # portal.csv_dialect (issue 11 §3).
    head = file.read(65536)
    file.seek(0)
    encoding = "utf-16" if csv_dialect.is_utf16(head) else _csv_encoding(file)
    delimiter, skip_lines = csv_dialect.sniff(head.decode(encoding, errors="ignore"))
    file.seek(0)
    stream = io.TextIOWrapper(file, encoding=encoding, newline="")
    for _skipped in range(skip_lines):
        stream.readline()
    # A cell over the limit is refused by _records; the csv module's own limit stops a single
    # unterminated quote from swallowing the whole file into one cell first.
    csv.field_size_limit(max(max_cell_length() + 1, 131072))
    reader = csv.reader(stream, delimiter=delimiter)

    def numbered():
        # line_num counts physical lines, so quoted multi-line cells keep
        # the line numbers users see in their editor.
        start = reader.line_num + skip_lines
        try:
            for record in reader:
                line, start = start + 1, reader.line_num + skip_lines
                yield line, list(map(str.strip, record))
        except UnicodeDecodeError as exc:
            message = _("de tekenset van het bestand wordt niet herkend; sla het op als UTF-8")
            raise ImportFileError(message) from exc
        except csv.Error as exc:
            message = _("het CSV-bestand kan niet worden gelezen (regel %d)")
            raise ImportFileError(message % (reader.line_num or 1)) from exc
        finally:
            # The wrapper must not close the caller's file when it is collected.
            if not stream.closed:
                stream.detach()

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


def _read_xlsx(file) -> Table:
    """Stream the first sheet. Formulas are read as formulas (not data_only), so a cell that
    computes its value is refused with a message instead of importing whatever Excel last
    cached for it (issue: "a spreadsheet with formulas ... is refused"). The zip directory is
    checked first (zip bombs, portal.uploads.check_zip)."""
    unreadable = _("het Excel-bestand kan niet worden gelezen")
    try:
        uploads.check_zip(file)
    except uploads.UploadError as exc:
        raise ImportFileError(unreadable if exc.code == "broken" else str(exc)) from exc
    try:
        # openpyxl raises a zoo of exceptions on broken or non-xlsx zips.
        workbook = openpyxl.load_workbook(file, read_only=True, data_only=False)
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
        except ImportFileError:
            raise
        except Exception as exc:
            raise ImportFileError(unreadable) from exc

    head = numbered(sheet.iter_rows(values_only=True, max_col=max_columns() + 1), 1)
    for line, cells in head:
        if any(cell != "" for cell in cells):
            head.close()
            headers = _header(cells)
            body = sheet.iter_rows(min_row=line + 1, max_col=len(headers), values_only=True)
            rows = _records(headers, numbered(body, line + 1))
            return Table(headers, rows, _labels(headers, cells))
    raise ImportFileError(_("het bestand bevat geen kopregel"))
