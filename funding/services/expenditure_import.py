"""The expenditure import (interchange.md section 4, ``import_expenditures``).

The import streams the file (a national finance export has a million lines): rows are parsed
and checked one by one, resolved against small lookup maps, and written in batches to a
temporary staging table (COPY on PostgreSQL). Duplicates within the file, the period locks and
the created/updated/unchanged counts are then set-wise SQL over that table, and one
``INSERT ... SELECT ... ON CONFLICT DO UPDATE`` moves the new and changed lines in; unchanged
lines are compared in SQL and never rewritten. Memory stays constant whatever the size of the
file; any invalid row means nothing is written.

Where the time goes (issue 14 §5, ``bench/checks_bench.py``): for new lines, mostly in
PostgreSQL maintaining the expenditure table's indexes and checking its foreign keys at commit;
parsing and checking a line in Python costs about 15 µs (portal.imports' fast path), staging it
a few µs. An unchanged re-import is reading, parsing and one join.
"""

import datetime
import uuid

from django.db import connection, transaction
from django.utils.translation import gettext as _

from portal import imports as im
from portal.audit import audit_log
from portal.exceptions import ApplicationError
from portal.models import Municipality
from schools.models import School

from ..models import Activity, Expenditure, Grant, normalise_key
from ..reports.locks import assert_lines_unlocked, locked_periods

# Column order of the staging table and of the insert.
STAGE_COLUMNS = [
    "line",
    "municipality_id",
    "booking_id",
    "grant_id",
    "stream_id",
    "date",
    "amount",
    "supplier",
    "invoice_number",
    "supplier_key",
    "invoice_key",
    "description",
    "activity_id",
    "school_id",
    "cost_category",
    "depreciation_months",
    "new_construction",
]
STAGE_TYPES = {
    "line": "integer",
    "municipality_id": "integer",
    "grant_id": "integer",
    "stream_id": "integer",
    "date": "date",
    "amount": "decimal(14,2)",
    "activity_id": "integer",
    "school_id": "integer",
    "depreciation_months": "integer",
    "new_construction": "boolean",
}
# The columns an import writes (and compares, to count changed lines).
WRITE_COLUMNS = [c for c in STAGE_COLUMNS if c not in ("line", "stream_id")]
COMPARE_COLUMNS = [c for c in WRITE_COLUMNS if c not in ("municipality_id", "booking_id")]
BATCH = 5000
#: Distinct suppliers whose comparison key is remembered during one import.
KEY_MEMO = 20_000


def _field(name):
    return Expenditure._meta.get_field(name)


class ExpenditureImporter(im.Importer):
    """``import_expenditures`` (interchange.md section 4); natural key (municipality, booking_id).

    Same columns, parsers, error format and all-or-nothing rule as every import, with a
    streaming ``run`` (see the module docstring)."""

    columns = [
        im.Column("municipality", required=True, parse=im.municipality_code),
        im.Column("booking_id", required=True, field=_field("booking_id")),
        im.Column("grant", required=True, field=Grant._meta.get_field("reference")),
        im.Column("date", required=True, parse=im.date),
        im.Column("amount", required=True, parse=im.amount, field=_field("amount")),
        im.Column("supplier", required=True, field=_field("supplier")),
        im.Column("invoice_number", default="", field=_field("invoice_number")),
        im.Column("description", default="", field=_field("description")),
        im.Column("activity", default="", field=Activity._meta.get_field("code")),
        im.Column("school", parse=im.location_code),
        im.Column(
            "cost_category", parse=im.labelled_choice(Expenditure.CostCategory), default="overig"
        ),
        im.Column("depreciation_months", parse=im.integer, field=_field("depreciation_months")),
        im.Column("new_construction", parse=im.boolean, default=False),
    ]

    def __init__(self, *, municipality=None, actor=None):
        self.only_municipality = municipality
        self.actor = actor
        self._municipalities = {m.code: m for m in Municipality.objects.all()}
        self._grants = {}  # municipality code -> {reference: (grant id, stream id)}
        self._activities = {}  # municipality code -> {code: activity id}
        self._schools = {}  # location code -> (school id, municipality id)
        self._supplier_keys = {}  # supplier -> normalise_key(supplier)
        self.table = f"expenditure_import_{uuid.uuid4().hex[:12]}"

    # lookups: loaded per municipality on first use, so memory follows the reference data
    def _grant(self, municipality, reference):
        if municipality.code not in self._grants:
            self._grants[municipality.code] = {
                ref: (pk, stream)
                for pk, ref, stream in Grant.objects.filter(municipality=municipality).values_list(
                    "pk", "reference", "stream_id"
                )
            }
        return self._grants[municipality.code].get(reference)

    def _activity(self, municipality, code):
        if municipality.code not in self._activities:
            self._activities[municipality.code] = dict(
                Activity.objects.filter(
                    municipality=municipality, owner_school__isnull=True
                ).values_list("code", "pk")
            )
        return self._activities[municipality.code].get(code)

    def _school(self, code):
        if not self._schools:
            self._schools = {
                c: (pk, m)
                for c, pk, m in School.objects.values_list("code", "pk", "municipality_id")
            }
        return self._schools.get(code)

    def _key(self, memo, value, length):
        """normalise_key(value) cut to the column's length, remembered for repeated values
        (suppliers recur on many lines; at most KEY_MEMO of them are kept)."""
        key = memo.get(value)
        if key is None:
            key = normalise_key(value)[:length]
            if len(memo) < KEY_MEMO:
                memo[value] = key
        return key

    def resolve(self, row, line):
        """The row as a staging tuple, or raise ImportValueError naming the column."""
        municipality = self._municipalities.get(row["municipality"])
        if municipality is None:
            raise im.ImportValueError(
                _("onbekende gemeente %s") % row["municipality"], column="municipality"
            )
        if self.only_municipality and municipality.id != self.only_municipality.id:
            raise im.ImportValueError(
                _("hoort niet bij %s") % self.only_municipality.name, column="municipality"
            )
        grant = self._grant(municipality, row["grant"])
        if grant is None:
            raise im.ImportValueError(_("onbekende beschikking %s") % row["grant"], column="grant")
        activity_id = None
        if row["activity"]:
            activity_id = self._activity(municipality, row["activity"])
            if activity_id is None:
                raise im.ImportValueError(
                    _("onbekende activiteit %s") % row["activity"], column="activity"
                )
        school_id = None
        if row["school"]:
            school = self._school(row["school"])
            if school is None or school[1] != municipality.id:
                raise im.ImportValueError(
                    _("onbekende school %s in deze gemeente") % row["school"], column="school"
                )
            school_id = school[0]
        supplier, invoice = row["supplier"], row["invoice_number"]
        return (
            line,
            municipality.id,
            row["booking_id"],
            grant[0],
            grant[1],
            row["date"],
            row["amount"],
            supplier,
            invoice,
            # Comparison keys are derived (never shown); folding can lengthen a few characters.
            self._key(self._supplier_keys, supplier, 200),
            normalise_key(invoice)[:100],
            row["description"],
            activity_id,
            school_id,
            row["cost_category"],
            row["depreciation_months"],
            bool(row["new_construction"]),
        )

    # staging table
    def _create_stage(self, cursor):
        columns = ", ".join(f"{c} {STAGE_TYPES.get(c, 'varchar(500)')}" for c in STAGE_COLUMNS)
        cursor.execute(f"CREATE TEMPORARY TABLE {self.table} ({columns})")

    def _write_stage(self, cursor, batch):
        if not batch:
            return
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(
                f"COPY {self.table} ({', '.join(STAGE_COLUMNS)}) FROM STDIN"
            ) as copy:
                for row in batch:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(STAGE_COLUMNS))
            cursor.executemany(f"INSERT INTO {self.table} VALUES ({marks})", batch)

    def run(self, source, *, filename=None, dry_run=False, preview_rows=10, progress=None):
        result = im.ImportResult()
        with connection.cursor() as cursor:
            self._create_stage(cursor)
            try:
                self._fill_stage(cursor, source, filename, result, preview_rows, progress)
                if connection.vendor == "postgresql":
                    # A temporary table has no statistics until analysed: without them the
                    # joins below are planned for a few thousand rows, not a million.
                    cursor.execute(f"ANALYZE {self.table}")
                if not result.file_errors:
                    result.errors += self._duplicates(cursor)
                if result.ok:
                    with transaction.atomic():
                        if dry_run:
                            created, updated, unchanged = self._counts(cursor)
                        else:
                            self._check_locks(cursor)
                            created, updated = self._upsert(cursor)
                            unchanged = result.total - created - updated
                        result.created, result.updated, result.unchanged = (
                            created,
                            updated,
                            unchanged,
                        )
                        if not dry_run:
                            for municipality in self._touched(cursor):
                                audit_log(
                                    actor=self.actor,
                                    action="expenditures.import",
                                    obj=municipality,
                                    municipality=municipality,
                                    changes={
                                        "created": [None, created],
                                        "updated": [None, updated],
                                    },
                                )
                if result.ok and not dry_run:
                    transaction.on_commit(lambda: _analyze_after(created + updated))
            except ApplicationError as error:
                result.file_errors.append(error.message)
            finally:
                cursor.execute(f"DROP TABLE {self.table}")
        result.errors = sorted(im.relabel(result.errors, result.labels), key=lambda e: e.line)
        return result

    def _fill_stage(self, cursor, source, filename, result, preview_rows, progress=None):
        try:
            # Streamed: bytes or a file, the framework's one reader (no whole-file copy).
            table = im.read_table(source, filename=filename)
            keys, missing = self._match_columns(table.headers)
            if missing:
                raise im.ImportFileError(_("ontbrekende kolommen: %s") % ", ".join(missing))
            result.labels = im.column_labels(table, keys)
            result.displays = im.column_displays(self.columns)
            batch, count = [], 0
            for read, (line, cells) in enumerate(table, 1):
                if progress and read % im.PROGRESS_EVERY == 0:
                    progress(read)
                row, errors = self._clean(cells, line, keys)
                if not errors:
                    try:
                        staged = self.resolve(row, line)
                    except im.ImportValueError as exc:
                        errors = [im.RowError(line, exc.column or "-", str(exc))]
                if errors:
                    result.errors += errors
                    continue
                count += 1
                if len(result.preview) < preview_rows:
                    result.preview.append(row)
                # Staged even after an error: the duplicate check below needs every valid row.
                batch.append(staged)
                if len(batch) >= BATCH:
                    self._write_stage(cursor, batch)
                    batch = []
            self._write_stage(cursor, batch)
        except im.ImportFileError as exc:
            result.file_errors.append(str(exc))
            return
        if not (count or result.errors):
            result.file_errors.append(str(_("het bestand bevat geen gegevensregels")))
        # The rows live in the staging table, not in result.rows: only their number is kept.
        result.total = count

    def _duplicates(self, cursor):
        t = self.table
        cursor.execute(
            f"SELECT s.line, s.booking_id, f.first FROM {t} s JOIN (SELECT municipality_id, booking_id, MIN(line) AS first "
            f"FROM {t} GROUP BY municipality_id, booking_id HAVING COUNT(*) > 1) f "
            f"ON f.municipality_id = s.municipality_id AND f.booking_id = s.booking_id WHERE s.line > f.first"
        )
        return [
            im.RowError(line, "municipality, booking_id", _("komt al voor op regel %d") % first)
            for line, _booking, first in cursor.fetchall()
        ]

    def _changed_condition(self):
        op = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
        return " OR ".join(f"e.{c} {op} s.{c}" for c in COMPARE_COLUMNS)

    def _join(self):
        e = Expenditure._meta.db_table
        return f"{self.table} s LEFT JOIN {e} e ON e.municipality_id = s.municipality_id AND e.booking_id = s.booking_id"

    def _counts(self, cursor):
        cursor.execute(
            f"SELECT SUM(CASE WHEN e.id IS NULL THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN e.id IS NOT NULL AND ({self._changed_condition()}) THEN 1 ELSE 0 END), COUNT(*) "
            f"FROM {self._join()}"
        )
        created, updated, total = (int(v or 0) for v in cursor.fetchone())
        return created, updated, total - created - updated

    def _check_locks(self, cursor):
        """Old and new (stream, date) of every line the import writes, against the locks."""
        g = Grant._meta.db_table
        for municipality in self._touched(cursor):
            if not locked_periods(municipality=municipality):
                continue
            cursor.execute(
                f"SELECT DISTINCT s.stream_id, s.date, og.stream_id, e.date FROM {self._join()} "
                f"LEFT JOIN {g} og ON og.id = e.grant_id "
                f"WHERE s.municipality_id = %s AND (e.id IS NULL OR {self._changed_condition()})",
                [municipality.pk],
            )
            lines = []
            for new_stream, new_date, old_stream, old_date in cursor.fetchall():
                lines.append((new_stream, _as_date(new_date)))
                if old_stream is not None:
                    lines.append((old_stream, _as_date(old_date)))
            assert_lines_unlocked(municipality=municipality, lines=lines)

    def _touched(self, cursor):
        cursor.execute(f"SELECT DISTINCT municipality_id FROM {self.table}")
        ids = [row[0] for row in cursor.fetchall()]
        return [m for m in self._municipalities.values() if m.pk in ids]

    def _upsert(self, cursor):
        """Write the new and changed lines (unchanged ones are not touched: no new row
        version, no bumped ``version``); return ``(created, updated)``. On PostgreSQL one
        statement compares, writes and counts, so the staged lines are joined once."""
        e = Expenditure._meta.db_table
        columns = ", ".join(WRITE_COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in COMPARE_COLUMNS)
        # A sign-off lapses when the line's amount, date, grant or depreciation changes.
        same = " AND ".join(
            f"({e}.{c} = excluded.{c} OR ({e}.{c} IS NULL AND excluded.{c} IS NULL))"
            for c in ("amount", "date", "grant_id", "depreciation_months")
        )
        keep = {
            c: f"CASE WHEN {same} THEN {e}.{c} ELSE NULL END"
            for c in ("signed_off_by_id", "signed_off_at")
        }
        source = (
            f"SELECT {', '.join(f's.{c}' for c in WRITE_COLUMNS)}, e.id IS NULL AS is_new "
            f"FROM {self._join()} WHERE e.id IS NULL OR {self._changed_condition()}"
        )
        insert = (
            f"INSERT INTO {e} ({columns}, version) SELECT {columns}, 1 FROM {{}} "
            f"ON CONFLICT (municipality_id, booking_id) DO UPDATE SET "
            f"signed_off_by_id = {keep['signed_off_by_id']}, signed_off_at = {keep['signed_off_at']}, "
            f"{updates}, version = {e}.version + 1"
        )
        if connection.vendor == "postgresql":
            # A data-modifying WITH runs once, to completion, whether read or not.
            cursor.execute(
                f"WITH src AS MATERIALIZED ({source}), written AS ({insert.format('src')}) "
                f"SELECT COUNT(*) FILTER (WHERE is_new), COUNT(*) FILTER (WHERE NOT is_new) FROM src"
            )
            created, updated = cursor.fetchone()
            return created, updated
        created, updated, _unchanged = self._counts(cursor)
        # SQLite: "WHERE true" resolves the parser's ambiguity of INSERT ... SELECT ... ON CONFLICT
        cursor.execute(insert.format(f"({source}) src WHERE true"))
        return created, updated


#: Lines written from which an import refreshes the planner's statistics of the table itself
#: (besides 10 % of its rows, PostgreSQL's own autovacuum threshold).
ANALYZE_AFTER = 10_000


def _analyze_after(written):
    """``ANALYZE`` the expenditure table after a big write (issue 14 §7): plans made on stale
    statistics (a table that was "empty") turned seconds into minutes. ANALYZE reads a fixed
    sample (about 30,000 rows), so it costs the same for any size of table."""
    if connection.vendor != "postgresql" or written < ANALYZE_AFTER:
        return
    table = Expenditure._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        rows = cursor.fetchone()[0]
        if written >= 0.1 * rows:
            cursor.execute(f"ANALYZE {table}")


def _as_date(value):
    return (
        value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])
    )
