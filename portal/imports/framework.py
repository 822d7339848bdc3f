"""The import framework: :class:`Column` declarations, the :class:`Importer` base (validate all
rows, all or nothing), its result and errors, and the bulk upsert every import saves with."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .. import limits
from .parsers import Cell, ImportFileError, ImportValueError, text
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
    #: The number of valid rows read; importers that stage rows elsewhere (expenditures, in
    #: a database table) keep ``rows`` empty and set this alone.
    total: int = 0

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
            "total": self.total,
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

    def run(
        self, source, *, filename=None, dry_run=False, preview_rows=10, progress=None
    ) -> ImportResult:
        """Validate the whole file, then save all of it in one transaction, or nothing.
        ``progress(rows)``, if given, is called every ``PROGRESS_EVERY`` rows read."""
        result = ImportResult()
        try:
            table = read_table(source, filename=filename)
            keys, missing = self._match_columns(table.headers)
            if missing:
                raise ImportFileError(_("ontbrekende kolommen: %s") % ", ".join(missing))
            for count, (line, cells) in enumerate(table, 1):
                row, errors = self._clean(cells, line, keys)
                result.errors += errors
                if not errors:
                    result.rows.append(row)
                if progress and count % PROGRESS_EVERY == 0:
                    progress(count)
        except ImportFileError as exc:
            result.file_errors.append(str(exc))
            return result
        if not (result.rows or result.errors):
            result.file_errors.append(str(_("het bestand bevat geen gegevensregels")))
            return result
        result.total = len(result.rows)
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
