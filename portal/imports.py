"""The one CSV/XLSX import framework of the portal, plus the export helpers.

Every bulk import (schools, needs, grants, activities, expenditures) is an
``Importer`` subclass that declares its ``Column``s and implements ``save()``.
The framework owns everything users trip over, so that all imports behave
alike: file-type and encoding detection, header matching, value parsing in
Dutch notation, error reporting as ``line N: column: reason`` and the
all-or-nothing rule (a file with any invalid row imports nothing).

Rows are streamed from the file and only the cleaned rows are kept, so a
100,000-row file is held in memory once, not once per processing step.
"""

import codecs
import csv
import io
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date as Date, datetime, time
from decimal import Decimal
from typing import Any

import openpyxl
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .fields import NumberError, parse_amount, parse_decimal, parse_integer

#: A raw cell: a stripped string (CSV, XLSX text) or the typed value of an
#: XLSX cell (int, Decimal, date, time, bool). Empty cells are "".
Cell = Any


class ImportValueError(ValueError):
    """An invalid value; ``column`` names the culprit of a cross-field check."""

    def __init__(self, message, column=None):
        super().__init__(message)
        self.column = column


class ImportFileError(Exception):
    """The file as a whole cannot be imported (wrong type, no header, ...)."""


def _invalid(message, value: Cell, **params) -> ImportValueError:
    """The error for a bad value, echoed cut short: it may be a binary blob."""
    shown = str(value)
    shown = f'"{shown[:40]}…"' if len(shown) > 40 else f'"{shown}"'
    return ImportValueError(message % {"value": shown, **params})


# --- value parsers -----------------------------------------------------------
# A parser turns a non-empty raw cell into a Python value or raises
# ImportValueError with a Dutch message. Blank cells never reach a parser.


def text(value: Cell) -> str:
    return str(value)


def _number(parse, value: Cell, *args):
    """Run one of portal.fields' parsers (the same ones the forms use), as an import error."""
    try:
        return parse(value, *args)
    except NumberError as error:
        raise ImportValueError(str(error)) from None


def amount(value: Cell) -> Decimal:
    """Money: ``1.234,56``, ``1,234.56``, ``€ -1.234,56`` ... in cents; ``12,345`` is refused
    as ambiguous and fractions of a cent are refused, not rounded (portal.fields.parse_amount,
    the parser of every amount form field)."""
    return _number(parse_amount, value)


def optional_amount(value: Cell) -> Decimal | None:
    """An amount where spreadsheets write ``-`` for "no amount"."""
    return None if value == "-" else amount(value)


def decimal_number(value: Cell) -> Decimal:
    """A measure such as schoolweging ``33,4``; a lone separator is decimal."""
    return _number(parse_decimal, value)


def integer(value: Cell) -> int:
    return _number(parse_integer, value)


def small_count(value: Cell) -> int | None:
    """A count from open data, where privacy-suppressed values read ``<5``."""
    if isinstance(value, str) and value.startswith("<"):
        return None
    return integer(value)


# Regexes rather than strptime, which is slow enough to dominate big imports.
_DATES = (
    re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-(?P<day>[0-9]{1,2})"),
    re.compile(r"(?P<day>[0-9]{1,2})-(?P<month>[0-9]{1,2})-(?P<year>[0-9]{4})"),
)


def date(value: Cell) -> Date:
    """``2022-03-01`` or ``01-03-2022``, or an XLSX date cell."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, Date):
        return value
    match = _DATES[0].fullmatch(str(value)) or _DATES[1].fullmatch(str(value))
    if match:
        try:
            return Date(**{part: int(number) for part, number in match.groupdict().items()})
        except ValueError:  # 31-02-2022
            pass
    raise _invalid(_("%(value)s is geen geldige datum (gebruik jjjj-mm-dd of dd-mm-jjjj)"), value)


# WAAR/ONWAAR is how Dutch Excel writes booleans to CSV.
_BOOLEANS = {
    **dict.fromkeys(("true", "ja", "yes", "1", "waar"), True),
    **dict.fromkeys(("false", "nee", "no", "0", "onwaar"), False),
}


def boolean(value: Cell) -> bool:
    try:
        return _BOOLEANS[str(value).lower()]
    except KeyError:
        raise _invalid(_("%(value)s is geen ja/nee-waarde"), value) from None


def choice(values: Iterable[str]) -> Callable[[Cell], str]:
    """A parser accepting one of ``values`` in any case, returning it as declared."""
    canonical = {str(v).lower(): v for v in values}
    allowed = ", ".join(map(str, canonical.values()))

    def parse(value: Cell) -> str:
        try:
            return canonical[str(value).lower()]
        except KeyError:
            message = _("%(value)s is geen geldige keuze (toegestaan: %(allowed)s)")
            raise _invalid(message, value, allowed=allowed) from None

    return parse


def multi(item_parser: Callable[[Cell], Any] = text, sep: str = "|") -> Callable[[Cell], list]:
    """A parser for a list in one cell, e.g. ``taal|rekenen``; empty items are dropped."""

    def parse(value: Cell) -> list:
        return [item_parser(item) for item in map(str.strip, str(value).split(sep)) if item]

    return parse


_WHITESPACE = re.compile(r"\s+")  # includes the no-break spaces Excel emits
_MUNICIPALITY_CODE = re.compile(r"(?:GM)?([0-9]{1,4})")


def normalise_municipality_code(value: Cell) -> str:
    """``GM0363``, ``0363`` and ``363`` (Excel drops the zeros) become ``GM0363``."""
    match = _MUNICIPALITY_CODE.fullmatch(_WHITESPACE.sub("", str(value)).upper())
    if not match or not int(match[1]):
        raise _invalid(_("%(value)s is geen geldige gemeentecode (bijvoorbeeld GM0363)"), value)
    return f"GM{int(match[1]):04d}"


municipality_code = normalise_municipality_code

_LOCATION_CODE = re.compile(r"[0-9]{2}[A-Z]{2}[0-9]{2}")


def location_code(value: Cell) -> str:
    code = str(value).strip().upper()
    if not _LOCATION_CODE.fullmatch(code):
        raise _invalid(_("%(value)s is geen geldige locatiecode (bijvoorbeeld 12AB00)"), value)
    return code


@dataclass(frozen=True)
class Column:
    """One expected column. ``blank=None`` means: blank allowed unless required."""

    name: str
    required: bool = False
    parse: Callable[[Cell], Any] = text
    blank: bool | None = None
    aliases: tuple[str, ...] = ()
    default: Any = None

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(h.strip().lower() for h in (self.name, *self.aliases))

    def clean(self, value: Cell) -> Any:
        if value == "":
            allows_blank = not self.required if self.blank is None else self.blank
            if not allows_blank:
                raise ImportValueError(_("waarde ontbreekt"))
            return self.default
        if isinstance(value, str) and value.startswith("="):
            raise ImportValueError(
                _("formules worden niet geaccepteerd; plak de waarden (Plakken speciaal > Waarden)")
            )
        return self.parse(value)


# --- reading files -----------------------------------------------------------


class Table:
    """The normalised header of a file and a one-pass stream of its data rows.

    Iterating yields ``(line, {header: cell})`` with the physical line number
    (header = line 1); entirely empty rows are skipped.
    """

    def __init__(self, headers: list[str], rows: Iterator[tuple[int, dict[str, Cell]]]):
        self.headers = headers
        self._rows = rows

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
    if data.startswith(_BINARY_MAGIC) or b"\x00" in data[:8192]:
        raise ImportFileError(_("het bestand is geen CSV- of Excel-bestand (.csv of .xlsx)"))
    return _read_csv(data)


def _header(cells: list[Cell]) -> list[str]:
    headers = [str(cell).strip().lower() for cell in cells]
    duplicates = sorted({h for h in headers if h and headers.count(h) > 1})
    if duplicates:
        raise ImportFileError(_("dubbele kolommen: %s") % ", ".join(duplicates))
    return headers


def _records(headers: list[str], numbered: Iterable[tuple[int, list[Cell]]]):
    for line, cells in numbered:
        if any(cell != "" for cell in cells):
            yield line, {h: cell for h, cell in zip(headers, cells) if h}


def _is_utf8(data: bytes) -> bool:
    """Validate in chunks, so detection never holds a second, decoded copy."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(view), 1 << 20):
            decoder.decode(view[start : start + (1 << 20)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _sniff_delimiter(head: str) -> str:
    """Dutch Excel writes ``;``; count separators on the header line, outside quotes."""
    first = next((line for line in head.splitlines() if line.strip()), "")
    first = re.sub(r'"[^"]*"', "", first)
    return ";" if first.count(";") > first.count(",") else ","


def _read_csv(data: bytes) -> Table:
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8" if _is_utf8(data) else "cp1252"
    delimiter = _sniff_delimiter(data[:65536].decode(encoding, errors="ignore"))
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    reader = csv.reader(stream, delimiter=delimiter)

    def numbered():
        # line_num counts physical lines, so quoted multi-line cells keep
        # the line numbers users see in their editor.
        start = reader.line_num
        try:
            for record in reader:
                line, start = start + 1, reader.line_num
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
            return Table(headers, _records(headers, rows))
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
            return Table(headers, _records(headers, numbered(body, line + 1)))
    raise ImportFileError(_("het bestand bevat geen kopregel"))


# --- validating and saving ---------------------------------------------------


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    reason: str

    def __str__(self):
        return f"line {self.line}: {self.column}: {self.reason}"


@dataclass
class ImportResult:
    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not (self.errors or self.file_errors)

    def error_lines(self) -> list[str]:
        return [*self.file_errors, *map(str, self.errors)]

    @property
    def summary(self) -> str:
        message = _(
            "%(total)d regels: %(created)d nieuw, %(updated)d bijgewerkt, %(unchanged)d ongewijzigd"
        )
        return message % {
            "total": len(self.rows),
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


class Importer:
    """Base class of every bulk import: declare ``columns``, implement ``save``."""

    columns: list[Column] = []

    def clean_row(self, row: dict, line: int) -> dict:
        """Hook for cross-field checks; raise ImportValueError(message, column=...)."""
        return row

    def validate_all(self, rows: list[dict]) -> list[RowError]:
        """Hook for set-wise checks: duplicates in the file, bulk lookups in the DB."""
        return []

    def save(self, rows: list[dict]) -> tuple[int, int, int]:
        """Write the rows with bulk queries; return (created, updated, unchanged)."""
        raise NotImplementedError

    def run(self, source, *, filename=None, dry_run=False, preview_rows=10) -> ImportResult:
        """Validate the whole file, then save all of it in one transaction, or nothing."""
        result = ImportResult()
        try:
            table = read_table(source, filename=filename)
            keys, missing = self._match_columns(table.headers)
            if missing:
                raise ImportFileError(_("ontbrekende kolommen: %s") % ", ".join(missing))
            for line, cells in table:
                row, errors = self._clean(cells, line, keys)
                result.errors += errors
                if not errors:
                    result.rows.append(row)
        except ImportFileError as exc:
            result.file_errors.append(str(exc))
            return result
        if not (result.rows or result.errors):
            result.file_errors.append(str(_("het bestand bevat geen gegevensregels")))
            return result
        result.errors += self.validate_all(result.rows)
        result.errors.sort(key=lambda error: error.line)
        result.preview = result.rows[:preview_rows]
        if result.ok and not dry_run:
            with transaction.atomic():
                result.created, result.updated, result.unchanged = self.save(result.rows)
        return result

    def _match_columns(self, headers: list[str]) -> tuple[dict[str, str], list[str]]:
        keys, missing = {}, []
        for column in self.columns:
            present = [h for h in column.headers if h in headers]
            if present:
                keys[column.name] = present[0]
            elif column.required:
                missing.append(column.name)
        return keys, missing

    def _clean(self, cells: dict, line: int, keys: dict) -> tuple[dict, list[RowError]]:
        row, errors = {"_line": line}, []
        for column in self.columns:
            try:
                row[column.name] = column.clean(cells.get(keys.get(column.name), ""))
            except ImportValueError as exc:
                errors.append(RowError(line, column.name, str(exc)))
        if not errors:
            try:
                row = self.clean_row(row, line)
            except ImportValueError as exc:
                errors.append(RowError(line, exc.column or "-", str(exc)))
        return row, errors


def duplicate_rows(rows: list[dict], *columns: str) -> list[RowError]:
    """Errors for rows repeating an earlier row's natural key, for validate_all().

    An upsert would silently keep only the last one, and PostgreSQL refuses to
    update one row twice in a statement.
    """
    first_line, errors = {}, []
    for row in rows:
        first = first_line.setdefault(tuple(row[c] for c in columns), row["_line"])
        if first != row["_line"]:
            reason = _("komt al voor op regel %d") % first
            errors.append(RowError(row["_line"], ", ".join(columns), reason))
    return errors


def bulk_upsert(model, objs, unique_fields, update_fields, batch_size=2000):
    """Insert or update ``objs`` by natural key; return ``(created, updated, unchanged)``.

    Existing rows are read first, in batches, to count honestly and to leave
    unchanged rows alone, so re-importing a file writes nothing. The write is
    ``bulk_create(update_conflicts=True)``, which needs a unique constraint on
    exactly ``unique_fields``; keys must be unique within ``objs``.
    """
    objs = list(objs)
    key_attrs = [model._meta.get_field(name).attname for name in unique_fields]
    value_attrs = [model._meta.get_field(name).attname for name in update_fields]

    def values(obj, attrs):
        return tuple(getattr(obj, attr) for attr in attrs)

    existing = {}
    for start in range(0, len(objs), batch_size):
        # Filtering on the first key field finds a superset for composite
        # keys; matching on the full key below sorts it out.
        firsts = {getattr(obj, key_attrs[0]) for obj in objs[start : start + batch_size]}
        found = model._default_manager.filter(**{f"{key_attrs[0]}__in": firsts})
        for row in found.values_list(*key_attrs, *value_attrs):
            existing[row[: len(key_attrs)]] = row[len(key_attrs) :]
    new, changed = [], []
    for obj in objs:
        key = values(obj, key_attrs)
        if key not in existing:
            new.append(obj)
        elif existing[key] != values(obj, value_attrs):
            changed.append(obj)
    if new or changed:
        upsert = (
            {
                "update_conflicts": True,
                "unique_fields": unique_fields,
                "update_fields": update_fields,
            }
            if changed
            else {}
        )
        model._default_manager.bulk_create(new + changed, batch_size=batch_size, **upsert)
    return len(new), len(changed), len(objs) - len(new) - len(changed)


# --- management commands -----------------------------------------------------


def run_import_command(importer: Importer, path, stdout, stderr, *, dry_run=False) -> int:
    """Run an import from the command line; return the process exit code."""
    try:
        with open(path, "rb") as file:
            result = importer.run(file, filename=str(path), dry_run=dry_run)
    except OSError as exc:
        stderr.write(f"{_('kan het bestand niet openen')}: {exc}\n")
        return 1
    if not result.ok:
        for line in result.error_lines():
            stderr.write(f"{line}\n")
        return 1
    if dry_run:
        message = _("%d regels gecontroleerd, geen fouten (proefdraai: niets opgeslagen)")
        stdout.write(f"{message % len(result.rows)}\n")
    else:
        stdout.write(f"{result.summary}\n")
    return 0


class BaseImportCommand(BaseCommand):
    """``import_grants FILE [--dry-run]`` is a subclass setting ``importer_class``."""

    help = "Importeer een CSV- of XLSX-bestand; bij een fout wordt niets opgeslagen."
    importer_class: type[Importer]

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV- of XLSX-bestand")
        parser.add_argument("--dry-run", action="store_true", help="alleen controleren")

    def handle(self, *args, file, dry_run, **options):
        # We print the errors ourselves: CommandError would prefix them.
        importer = self.importer_class()
        code = run_import_command(importer, file, self.stdout, self.stderr, dry_run=dry_run)
        if code:
            sys.exit(code)


# --- exports -----------------------------------------------------------------

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


def write_csv(rows: Iterable[Iterable], header: Iterable[str]) -> bytes:
    """UTF-8 with BOM and ``;``, which Dutch Excel opens without an import wizard."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(str(h)) for h in header])
    writer.writerows([_csv_text(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def write_xlsx(rows: Iterable[Iterable], header: Iterable[str], sheet_title="Export") -> bytes:
    """A streaming (write-only) workbook with one sheet."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])  # Excel's limit
    sheet.append([safe_cell(str(h)) for h in header])
    for row in rows:
        sheet.append([_xlsx_value(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
