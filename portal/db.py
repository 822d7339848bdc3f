"""Database helpers that are not about one app's data."""

import datetime
from decimal import Decimal

from django.db import connection, models
from django.utils.encoding import force_str


def analyze(*models) -> None:
    """Refresh the planner's statistics of the models' tables after a bulk write (issue 14 §7:
    a plan made on statistics that still say "empty" turned a 0.8 s self-join into 9.6 s, and a
    0.5 s gap search into a nested loop over every school). PostgreSQL and SQLite both know
    ``ANALYZE <table>``; it runs inside a transaction too."""
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def copy_rows(model, columns: list[str], rows, *, batch: int = 5000) -> int:
    """Insert ``rows`` (an iterable of tuples in ``columns`` order, consumed lazily, so memory
    stays flat) into ``model``'s table: ``COPY ... FROM STDIN`` on PostgreSQL, batched
    ``executemany`` INSERTs of ``batch`` rows elsewhere. Unlike ``bulk_create`` it writes the
    values as given (``auto_now`` fields too) and sends no signals. Decimals go to SQLite as
    text (exact), datetimes as the backend stores them; JSON columns take a JSON string.
    Returns the number of rows written. Used by the scale generators (issue 14
    §6)."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    written = 0
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
                written += 1
        return written
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
    ops = connection.ops

    def adapt(value):
        # what the model fields would write: Decimals exact as text, dates as Django stores them
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, datetime.datetime):
            return ops.adapt_datetimefield_value(value)
        if isinstance(value, datetime.date):
            return ops.adapt_datefield_value(value)
        return value

    with connection.cursor() as cursor:
        chunk = []
        for row in rows:
            chunk.append([adapt(v) for v in row])
            if len(chunk) >= batch:
                cursor.executemany(sql, chunk)
                written += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            written += len(chunk)
    return written


_LABELS: dict = {}  # model field -> {stored value: label (lazy)}, or None when not a plain table


class ChoiceLabels(models.Model):
    """Abstract base: ``get_<field>_display()`` from a table of the field's labels built once.

    Django builds ``dict(make_hashable(field.flatchoices))`` on every call, hashing each lazy
    label, which translates it: a list of 50 actions with a status and a theme translated 900
    labels per request (issue 14). The table holds the lazy labels, so the label still follows
    the active language; the result is Django's (the label as ``str``, or the stored value when
    it is no choice). Choices whose values are not hashable take Django's own way."""

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        labels = _LABELS.get(field, False)
        if labels is False:
            try:
                labels = dict(field.flatchoices)
            except TypeError:  # unhashable choice values: make_hashable's business
                labels = None
            _LABELS[field] = labels
        value = getattr(self, field.attname)
        if labels is None:
            return super()._get_FIELD_display(field)
        try:
            label = labels.get(value, value)
        except TypeError:
            return super()._get_FIELD_display(field)
        return force_str(label, strings_only=True)
