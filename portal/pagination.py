"""Keyset pagination for long lists (issue 14 §1): a page is "the rows after (or before) this
row in the list's order", found through the index instead of skipping OFFSET rows, so the last
page of 38,000 lines costs what the first costs.

The cursor is the ordering values of the row at the page's edge, with the primary key as the
tie-breaker, in a query parameter (``after`` or ``before``; ``last=1`` for the last page).
Ordering fields must be columns of the model. A nullable column is ordered with NULL as the
smallest value on every database (ascending: NULLs first; descending: NULLs last), so the
keyset comparison can treat NULL as below every value. Pages carry no number; the template
offers first, previous, next and last.
"""

import base64
import json

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, Q
from django.http import Http404


def _ordering(queryset):
    """[(field name, descending, nullable)] of the queryset's order, ending with the primary
    key."""
    fields = []
    for item in queryset.query.order_by or queryset.model._meta.ordering or []:
        name = str(item)
        descending = name.startswith("-")
        name = name.lstrip("-+")
        if name == "pk":
            name = queryset.model._meta.pk.name
        fields.append((name, descending))
    if not any(name == queryset.model._meta.pk.name for name, _d in fields):
        fields.append((queryset.model._meta.pk.name, False))
    result = []
    for name, descending in fields:
        try:
            field = queryset.model._meta.get_field(name)
        except FieldDoesNotExist as error:
            raise ValueError(f"keyset ordering needs model fields, not {name!r}") from error
        result.append((name, descending, field.null))
    return result


def _order_by(fields):
    """ORDER BY expressions with NULL as the smallest value on every database. Only nullable
    columns get an explicit NULLS FIRST/LAST (on PostgreSQL it decides which index serves)."""
    order = []
    for name, descending, nullable in fields:
        if not nullable:
            order.append(("-" if descending else "") + name)
        elif descending:
            order.append(F(name).desc(nulls_last=True))
        else:
            order.append(F(name).asc(nulls_first=True))
    return order


def _equal(name, value) -> Q:
    return Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})


def _above(name, value, greater: bool) -> Q:
    """Rows whose ``name`` is greater (or smaller) than ``value``, NULL being the smallest."""
    if greater:
        return Q(**{f"{name}__isnull": False}) if value is None else Q(**{f"{name}__gt": value})
    if value is None:
        return Q(pk__in=[])
    return Q(**{f"{name}__lt": value}) | Q(**{f"{name}__isnull": True})


def _encode(values) -> str:
    raw = json.dumps(values, default=str, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str, n: int) -> list:
    try:
        values = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, TypeError) as error:
        raise Http404("invalid cursor") from error
    if not isinstance(values, list) or len(values) != n:
        raise Http404("invalid cursor")
    return values


def _beyond(fields, values, forward: bool) -> Q:
    """Rows strictly after (``forward``) or before the row with ``values`` in ``fields`` order:
    (a > x) or (a = x and b > y) or ..., with < for descending fields."""
    condition = Q(pk__in=[])
    for i, (name, descending, _nullable) in enumerate(fields):
        greater = forward != descending  # ascending + forward: greater; descending: smaller
        term = _above(name, values[i], greater)
        for j in range(i):
            term &= _equal(fields[j][0], values[j])
        condition |= term
    return condition


class KeysetPage:
    """One page: ``object_list`` and the query strings of its neighbours (None when none)."""

    def __init__(self, object_list, *, first, previous, next, last, count=None):
        self.object_list = object_list
        self.first_query = first
        self.previous_query = previous
        self.next_query = next
        self.last_query = last
        self.count = count

    def has_other_pages(self):
        return bool(self.previous_query or self.next_query)

    def has_previous(self):
        return self.previous_query is not None

    def has_next(self):
        return self.next_query is not None

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def keyset_page(queryset, params, per_page: int) -> KeysetPage:
    """The page of ``queryset`` (ordered) that ``params`` (request.GET) asks for.

    ``params`` may hold ``after`` or ``before`` (a cursor of this module) or ``last``; other
    parameters (filters, sort) are kept in the neighbours' query strings. One query for the
    rows (per_page + 1, to know whether more follow); raises Http404 for a broken cursor.
    """
    fields = _ordering(queryset)
    names = [name for name, _d, _n in fields]
    ordered = queryset.order_by(*_order_by(fields))
    reverse = ordered.reverse()
    base = params.copy()
    for key in ("after", "before", "last", "page"):
        base.pop(key, None)

    def query(**extra):
        q = base.copy()
        for key, value in extra.items():
            q[key] = value
        return q.urlencode()

    after, before = params.get("after"), params.get("before")
    try:
        if after:
            rows = list(
                ordered.filter(_beyond(fields, _decode(after, len(fields)), True))[: per_page + 1]
            )
            more_after, more_before = len(rows) > per_page, True
            rows = rows[:per_page]
        elif before or params.get("last"):
            qs = reverse
            if before:
                qs = qs.filter(_beyond(fields, _decode(before, len(fields)), False))
            rows = list(qs[: per_page + 1])
            more_before, more_after = len(rows) > per_page, bool(before)
            rows = rows[:per_page][::-1]
        else:
            rows = list(ordered[: per_page + 1])
            more_after, more_before = len(rows) > per_page, False
            rows = rows[:per_page]
    except ValidationError as error:  # a cursor value of the wrong type
        raise Http404("invalid cursor") from error
    if not rows:
        more_after = False

    def cursor(obj):
        return _encode([getattr(obj, name) for name in names])

    return KeysetPage(
        rows,
        first=query() if more_before else None,
        previous=query(before=cursor(rows[0])) if more_before and rows else None,
        next=query(after=cursor(rows[-1])) if more_after else None,
        last=query(last="1") if more_after else None,
    )
