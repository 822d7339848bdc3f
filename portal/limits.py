"""The database's limits, checked before the database (issue 13 §1-2).

SQLite, which runs most tests, enforces neither field lengths nor integer ranges; PostgreSQL
refuses them with a server error (``value too long for type character varying(50)``,
``integer out of range``), and a hand-written ``[:50]`` silently cut what it could not store.
Every import column and every form field therefore derives its limits from the model field it
fills, and refuses a value the database would refuse with a Dutch reason:

- text: ``max_length`` (characters); NUL and other control characters (PostgreSQL refuses NUL;
  bidirectional overrides disguise what a name says);
- decimals: ``max_digits`` / ``decimal_places``;
- integers: the PostgreSQL range of the column type (``PositiveIntegerField``: 0..2147483647),
  whatever database runs;
- dates: years within ``settings.PLAUSIBLE_YEARS`` (default 2000-2100): a year 0001 or 9999 is a
  typo, and stored it breaks every later report of the municipality;
- the field's own validators (``MinValueValidator`` and friends).

Use :func:`check` in importers (portal.imports.Column(field=...)), :class:`ModelLimitsFormMixin`
on forms.
"""

import re
from datetime import date, datetime
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from .formatting import format_number

# PostgreSQL's ranges (Django's postgresql backend ``integer_field_ranges``), used everywhere so
# that SQLite tests refuse what production would.
INTEGER_RANGES = {
    "SmallIntegerField": (-32768, 32767),
    "IntegerField": (-2147483648, 2147483647),
    "BigIntegerField": (-9223372036854775808, 9223372036854775807),
    "PositiveSmallIntegerField": (0, 32767),
    "PositiveIntegerField": (0, 2147483647),
    "PositiveBigIntegerField": (0, 9223372036854775807),
    "AutoField": (1, 2147483647),
    "BigAutoField": (1, 9223372036854775807),
}

# C0 controls except tab, newline and carriage return; DEL; bidirectional embeddings, overrides
# and isolates (the "Trojan Source" characters).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


class LimitError(ValueError):
    """A value the column cannot hold; ``str()`` is the Dutch reason."""


def plausible_years() -> tuple[int, int]:
    """``settings.PLAUSIBLE_YEARS`` as ``(first, last)``, inclusive; default (2000, 2100)."""
    first, last = getattr(settings, "PLAUSIBLE_YEARS", (2000, 2100))
    return int(first), int(last)


def check_year(value: date) -> date:
    """``value`` if its year is plausible, else raise LimitError."""
    first, last = plausible_years()
    if not first <= value.year <= last:
        raise LimitError(
            _("het jaar %(year)d ligt niet tussen %(first)d en %(last)d")
            % {"year": value.year, "first": first, "last": last}
        )
    return value


def check_text(value: str, max_length: int | None) -> str:
    """``value`` if it fits ``max_length`` characters and holds no control characters."""
    if max_length is not None and len(value) > max_length:
        raise LimitError(
            _("de tekst is %(length)d tekens lang; er passen er %(limit)d")
            % {"length": len(value), "limit": max_length}
        )
    if _FORBIDDEN.search(value):
        raise LimitError(_("de tekst bevat een onzichtbaar stuurteken; verwijder het"))
    return value


def check_decimal(value: Decimal, max_digits: int, decimal_places: int) -> Decimal:
    """``value`` if it fits ``max_digits`` digits with ``decimal_places`` decimals."""
    if not value.is_finite():
        raise LimitError(_("dit is geen getal"))
    if abs(value) >= Decimal(10) ** (max_digits - decimal_places):
        largest = Decimal(10) ** (max_digits - decimal_places) - Decimal(1).scaleb(-decimal_places)
        raise LimitError(
            _("het getal is te groot (hoogstens %s)") % format_number(largest, decimal_places)
        )
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > decimal_places:
        raise LimitError(_("hoogstens %d cijfers achter de komma") % decimal_places)
    return value


def check_integer(value: int, internal_type: str) -> int:
    """``value`` if it fits the PostgreSQL column type ``internal_type``."""
    low, high = INTEGER_RANGES.get(internal_type, INTEGER_RANGES["BigIntegerField"])
    if value < 0 <= low:
        raise LimitError(_("mag niet negatief zijn"))
    if not low <= value <= high:
        raise LimitError(
            _("het getal ligt niet tussen %(low)d en %(high)d") % {"low": low, "high": high}
        )
    return value


def check(field: models.Field, value):
    """``value`` unchanged if the model ``field`` can store it, else raise LimitError with the
    Dutch reason. ``None`` and ``""`` pass (blankness is the caller's rule)."""
    if value is None or value == "":
        return value
    internal_type = field.get_internal_type()
    if isinstance(value, str):
        check_text(value, getattr(field, "max_length", None))
    elif isinstance(value, bool):
        pass
    elif isinstance(value, Decimal) and isinstance(field, models.DecimalField):
        check_decimal(value, field.max_digits, field.decimal_places)
    elif isinstance(value, int) and internal_type in INTEGER_RANGES:
        check_integer(value, internal_type)
    elif isinstance(value, (date, datetime)):
        check_year(value)
    for validator in field.validators:
        try:
            validator(value)
        except ValidationError as error:
            raise LimitError(" ".join(error.messages)) from None
    return value


def limited(parse, field: models.Field):
    """A cell parser that parses with ``parse`` and then checks the result against ``field``."""

    def parse_limited(value):
        return check(field, parse(value))

    return parse_limited


def validator(field: models.Field):
    """A form field validator raising ValidationError where :func:`check` refuses."""

    def validate(value):
        try:
            check(field, value)
        except LimitError as error:
            raise ValidationError(str(error), code="limit") from None

    return validate


class ModelLimitsFormMixin:
    """Gives every form field that fills a model field (same name) that field's limits: a
    ModelForm's own model, or ``limits_model`` on a plain form. Text inputs also get the
    ``maxlength`` attribute, so the browser stops typing at the limit."""

    limits_model: type[models.Model] | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        meta = getattr(self, "_meta", None)
        model = self.limits_model or getattr(meta, "model", None)
        if model is None:
            return
        for name, form_field in self.fields.items():
            try:
                model_field = model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if not model_field.concrete or model_field.is_relation:
                continue
            form_field.validators.append(validator(model_field))
            max_length = getattr(model_field, "max_length", None)
            if max_length and isinstance(form_field, forms.CharField):
                form_field.widget.attrs.setdefault("maxlength", str(max_length))
