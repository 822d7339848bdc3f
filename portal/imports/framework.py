"""The import framework: :class:`Column` declarations, the :class:`Importer` base (validate all
rows, all or nothing), its result and errors, and the bulk upsert every import saves with."""

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core import validators
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import limits
from ..formatting import format_date, format_number
from . import parsers
from .parsers import Cell, ImportFileError, ImportValueError, amount, text
from .readers import read_table


@dataclass(frozen=True)
class Column:
    """One expected column. ``blank=None`` means: blank allowed unless required. ``field`` is the
    model field the value is stored in: its limits (length, digits, range, plausible years) are
    checked after parsing (portal.limits), so nothing reaches the database that it would refuse
    and nothing is cut."""

    name: str
    required: bool = False
    parse: Callable[[Cell], Any] = text
    blank: bool | None = None
    aliases: tuple[str, ...] = ()
    default: Any = None
    field: Any = None

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
        parsed = self.parse(value)
        if self.field is not None:
            try:
                limits.check(self.field, parsed)
            except limits.LimitError as error:
                raise ImportValueError(str(error)) from None
        return parsed


#: How often (rows read) an import reports its progress.
PROGRESS_EVERY = 5000

# --- the fast path of a cell ---------------------------------------------------
# A million-line file runs Column.clean thirteen million times. Each column therefore gets a
# cleaner that answers the common, well-formed cell directly and returns _FULL for anything
# else, which then takes Column.clean: the one place that decides and words every refusal. A
# fast path only accepts what Column.clean accepts, and returns the same value.

_FULL = object()
#: Distinct cell values remembered per column (memory stays flat whatever the file's size).
MEMO_SIZE = 10_000
_IMMUTABLE = (str, int, bool, Decimal, date, type(None))
_CENT = Decimal("0.01")


def _implied(column_field, allowed) -> bool:
    """Whether every validator of the model field is one ``allowed`` already implies."""
    return all(any(check(v) for check in allowed) for v in column_field.validators)


def _text_cleaner(column, blank):
    """Text: what Column.clean keeps as it is (a CharField's length, no control characters)."""
    model_field = column.field
    if model_field is None:
        max_length = None
    elif isinstance(model_field, (models.CharField, models.TextField)) and _implied(
        model_field,
        (
            lambda v: isinstance(v, validators.ProhibitNullCharactersValidator),
            lambda v: isinstance(v, validators.MaxLengthValidator)
            and v.limit_value == model_field.max_length,
        ),
    ):
        max_length = model_field.max_length
    else:
        return None
    max_length = max_length or float("inf")

    def clean(value):
        if value.__class__ is not str:
            return _FULL
        if not value:
            return blank
        # A printable text holds none of the control and bidi characters limits.check_text
        # refuses (tabs, no-break spaces and the like are allowed, but take the full path).
        if len(value) <= max_length and value.isprintable() and value[0] != "=":
            return value
        return _FULL

    return clean


def _amount_cleaner(column, blank):
    """Money written plainly (``1234,56``, ``-12.5``, ``300``): the Decimal parse_amount gives,
    without its grouping, currency and ambiguity rules, which only other forms need."""
    model_field = column.field
    if model_field is None:
        whole = "20"  # well within the 28 digits of Decimal's context
    elif (
        isinstance(model_field, models.DecimalField)
        and model_field.decimal_places >= 2
        and model_field.max_digits > model_field.decimal_places
        and _implied(
            model_field,
            (
                lambda v: isinstance(v, validators.DecimalValidator)
                and (v.max_digits, v.decimal_places)
                == (model_field.max_digits, model_field.decimal_places),
            ),
        )
    ):
        # No more whole digits than the field holds: limits.check_decimal cannot refuse it.
        whole = str(model_field.max_digits - model_field.decimal_places)
    else:
        return None
    plain = re.compile(rf"([+-]?)([0-9]{{1,{whole}}})(?:[.,]([0-9]{{1,2}}))?").fullmatch

    def clean(value):
        if value.__class__ is not str:
            return _FULL
        match = plain(value)
        if match is None:
            return blank if not value else _FULL
        sign, digits, fraction = match.groups()
        return Decimal(f"{sign}{digits}.{fraction or '0'}").quantize(_CENT, ROUND_HALF_UP)

    return clean


def _memo_cleaner(column):
    """Codes, choices, dates, numbers and booleans repeat: Column.clean once per distinct text
    (the parsers of portal.imports.parsers depend on nothing but the cell and the settings)."""
    memo, full = {}, column.clean

    def clean(value):
        if value.__class__ is not str:
            return _FULL
        parsed = memo.get(value, _FULL)
        if parsed is _FULL and len(memo) < MEMO_SIZE:
            try:
                parsed = full(value)
            except ImportValueError:
                return _FULL  # Column.clean again, to report it
            if parsed.__class__ in _IMMUTABLE:
                memo[value] = parsed
        return parsed

    return clean


def _general(column):
    return lambda value: _FULL


def cell_cleaner(column: "Column") -> Callable[[Cell], Any]:
    """A function of one cell returning what ``column.clean(cell)`` returns for the common
    well-formed cell, or ``_FULL`` when the cell needs ``column.clean`` (refusals, typed XLSX
    cells, unusual notations). Build it per run: it reads the settings once."""
    blank_allowed = not column.required if column.blank is None else column.blank
    blank = column.default if blank_allowed else _FULL
    if column.parse is text:
        cleaner = _text_cleaner(column, blank)
    elif column.parse is amount:
        cleaner = _amount_cleaner(column, blank)
    elif getattr(column.parse, "__module__", None) == parsers.__name__:
        cleaner = _memo_cleaner(column)
    else:
        cleaner = None
    return cleaner or _general(column)


# --- validating and saving ---------------------------------------------------


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    reason: str

    def __str__(self):
        # In the file's own terms (issue 11): its line number and its column header.
        return _("regel %(line)d: %(column)s: %(reason)s") % {
            "line": self.line,
            "column": self.column,
            "reason": self.reason,
        }


@dataclass
class ImportResult:
    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: Rows left out on purpose (not errors), by reason: "regels van andere gemeenten".
    skipped: Counter = field(default_factory=Counter)
    #: What the user must know although nothing is wrong (a merger mapped, a school moved).
    notices: list[str] = field(default_factory=list)
    #: Column name -> the file's own header, for the preview.
    labels: dict[str, str] = field(default_factory=dict)
    #: Column name -> how the preview shows its cleaned value, for the columns whose parser
    #: has a ``display`` (a choice shown as its label: "matig", not ``moderate``).
    displays: dict[str, Callable[[Any], str]] = field(default_factory=dict)
    #: The number of valid rows read; importers that stage rows elsewhere (expenditures, in
    #: a database table) keep ``rows`` empty and set this alone.
    total: int = 0

    @property
    def ok(self) -> bool:
        return not (self.errors or self.file_errors)

    def error_lines(self) -> list[str]:
        return [*self.file_errors, *map(str, self.errors)]

    def notice_lines(self) -> list[str]:
        """``['7.412 regels van andere gemeenten overgeslagen', *notices]`` (nl-NL counts)."""
        skipped = [
            ngettext(
                "%(count)s regel %(reason)s overgeslagen",
                "%(count)s regels %(reason)s overgeslagen",
                count,
            )
            % {"count": format_number(count, 0), "reason": reason}
            for reason, count in self.skipped.items()
        ]
        return [*skipped, *self.notices]

    def preview_table(self) -> tuple[list[str], list[list[str]]]:
        """The preview as the user wrote it: the file's headers and values in nl-NL notation
        (amounts ``1.234,56``, dates ``01-03-2022``, booleans ja/nee)."""
        if not self.preview:
            return [], []
        keys = [k for k in self.preview[0] if not k.startswith("_") and k in self.labels]
        headers = [str(_("regel")), *(self.labels[k] for k in keys)]
        rows = [
            [str(row["_line"]), *(self._shown(k, row.get(k)) for k in keys)] for row in self.preview
        ]
        return headers, rows

    def _shown(self, key, value) -> str:
        display = self.displays.get(key)
        if display is None or value is None:
            return display_value(value)
        return display(value)

    @property
    def summary(self) -> str:
        message = ngettext(
            "%(total)d regel: %(created)d nieuw, %(updated)d bijgewerkt, %(unchanged)d ongewijzigd",
            "%(total)d regels: %(created)d nieuw, %(updated)d bijgewerkt, %(unchanged)d ongewijzigd",
            self.total,
        )
        return message % {
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


def column_labels(table, keys: dict[str, str]) -> dict[str, str]:
    """Column name -> the header as the file writes it (``ovt`` -> ``OVT``)."""
    originals = getattr(table, "labels", {}) or {}
    return {name: originals.get(header, header) for name, header in keys.items()}


def column_displays(columns) -> dict[str, Callable[[Any], str]]:
    """Column name -> its parser's ``display`` (labelled choices), for the preview."""
    return {c.name: c.parse.display for c in columns if hasattr(c.parse, "display")}


def relabel(errors: list[RowError], labels: dict[str, str]) -> list[RowError]:
    """Errors naming the file's own column header instead of the importer's key (issue 11)."""
    return [replace(e, column=labels.get(e.column, e.column)) for e in errors]


def display_value(value) -> str:
    """A cleaned value in nl-NL notation for the preview."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("ja") if value else _("nee"))
    if isinstance(value, Decimal):
        return format_number(value, max(0, -value.as_tuple().exponent))
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, (list, tuple)):
        return "|".join(map(display_value, value))
    return str(value)


class Importer:
    """Base class of every bulk import: declare ``columns``, implement ``save``.

    Rows may be left out on purpose, counted per reason instead of refused (issue 11: a
    national file uploaded by one municipality): ``skip_reason(row)`` decides right after a
    row's cells are parsed (before its errors count), and ``validate_all`` may set
    ``row["_skip"] = reason`` after its database lookups. ``notice(text)`` adds a message the
    user sees with the result (each text once).
    """

    columns: list[Column] = []

    def skip_reason(self, row: dict) -> str | None:
        """Hook: a reason (``"van andere gemeenten"``: it follows "N regels") to leave this row
        out, or None.
        ``row`` holds the values that parsed; a column that failed is missing."""
        return None

    def notice(self, text: str) -> None:
        notices = self.__dict__.setdefault("_notices", [])
        if str(text) not in notices:
            notices.append(str(text))

    def clean_row(self, row: dict, line: int) -> dict:
        """Hook for cross-field checks; raise ImportValueError(message, column=...)."""
        return row

    def validate_all(self, rows: list[dict]) -> list[RowError]:
        """Hook for set-wise checks: duplicates in the file, bulk lookups in the DB."""
        return []

    def save(self, rows: list[dict]) -> tuple[int, int, int]:
        """Write the rows with bulk queries; return (created, updated, unchanged)."""
        raise NotImplementedError

    def run(
        self, source, *, filename=None, dry_run=False, preview_rows=10, progress=None
    ) -> ImportResult:
        """Validate the whole file, then save all of it in one transaction, or nothing.
        ``progress(rows)``, if given, is called every ``PROGRESS_EVERY`` rows read."""
        result = ImportResult()
        self._notices = []
        try:
            table = read_table(source, filename=filename)
            keys, missing = self._match_columns(table.headers)
            if missing:
                raise ImportFileError(_("ontbrekende kolommen: %s") % ", ".join(missing))
            result.labels = column_labels(table, keys)
            result.displays = column_displays(self.columns)
            for count, (line, cells) in enumerate(table, 1):
                row, errors = self._clean(cells, line, keys)
                reason = self.skip_reason(row)
                if reason:
                    result.skipped[str(reason)] += 1
                    continue
                result.errors += errors
                if not errors:
                    result.rows.append(row)
                if progress and count % PROGRESS_EVERY == 0:
                    progress(count)
        except ImportFileError as exc:
            result.file_errors.append(str(exc))
            return result
        if not (result.rows or result.errors or result.skipped):
            result.file_errors.append(str(_("het bestand bevat geen gegevensregels")))
            return result
        result.errors += self.validate_all(result.rows)
        kept = []
        for row in result.rows:
            if row.get("_skip"):
                result.skipped[str(row["_skip"])] += 1
            else:
                kept.append(row)
        result.rows = kept
        result.total = len(result.rows)
        result.errors = sorted(relabel(result.errors, result.labels), key=lambda e: e.line)
        result.notices = list(self._notices)
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

    _plan = None

    def _cleaners(self, keys: dict) -> list[tuple[str, str | None, Callable, Column]]:
        """``(name, header, fast cleaner, column)`` per column, built once per file (``keys``)."""
        plan = self._plan
        if plan is None or plan[0] is not keys:
            cleaners = [(c.name, keys.get(c.name), cell_cleaner(c), c) for c in self.columns]
            plan = self._plan = (keys, cleaners)
        return plan[1]

    def _clean(self, cells: dict, line: int, keys: dict) -> tuple[dict, list[RowError]]:
        row, errors = {"_line": line}, []
        for name, header, fast, column in self._cleaners(keys):
            value = cells.get(header, "")
            parsed = fast(value)
            if parsed is _FULL:
                try:
                    parsed = column.clean(value)
                except ImportValueError as exc:
                    errors.append(RowError(line, name, str(exc)))
                    continue
            row[name] = parsed
        if not errors:
            try:
                row = self.clean_row(row, line)
            except ImportValueError as exc:
                for problem in getattr(exc, "problems", None) or [exc]:
                    errors.append(RowError(line, problem.column or "-", str(problem)))
        return row, errors


@dataclass(frozen=True)
class ImportFormat:
    """What an import page and docs/importformaten.md show about a format: its columns (name,
    required, accepted other headers) and its example file under ``static/voorbeelden/``."""

    columns: list[Column]
    example: str

    @property
    def rows(self) -> list[tuple[str, bool, str]]:
        """``[(column, required, other accepted headers joined with ", ")]``."""
        return [(c.name, c.required, ", ".join(c.aliases)) for c in self.columns]


def import_format(importer_class, example: str) -> ImportFormat:
    return ImportFormat(list(importer_class.columns), f"voorbeelden/{example}")


def duplicate_rows(rows: list[dict], *columns: str, label: str | None = None) -> list[RowError]:
    """Errors for rows repeating an earlier row's natural key, for validate_all().

    An upsert would silently keep only the last one, and PostgreSQL refuses to
    update one row twice in a statement. ``label`` names the column the error is reported
    under when the key is derived (a school id found from the file's ``OVT``).
    """
    first_line, errors = {}, []
    for row in rows:
        first = first_line.setdefault(tuple(row[c] for c in columns), row["_line"])
        if first != row["_line"]:
            reason = _("komt al voor op regel %d") % first
            errors.append(RowError(row["_line"], label or ", ".join(columns), reason))
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
