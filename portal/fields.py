"""Form fields that read what people type: model choice fields that check a posted id before
it reaches the database, and the one parser and form field for amounts and numbers.

Ids:

Django's ModelChoiceField and ModelMultipleChoiceField hand a posted value straight to a query.
A number beyond the database's integer range (``99999999999999999999``) then fails inside the
driver: ``OverflowError`` on SQLite, ``DataError`` on PostgreSQL, so a typo or a probe becomes
a server error. These fields answer such a value with the field's own validation error
(``invalid_pk_value`` for something that is not a whole number, ``invalid_choice`` for a
number outside 1..2**63-1), without a query. Keys that are not integers (``to_field_name``
pointing at a text column) are left to Django as before."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .formatting import format_number

MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]+")


def _as_id(value):
    """The value as an int, or None if it is not written as a whole number (ASCII digits,
    surrounding spaces allowed, as Django's own conversion allows them)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("-"):
            text = text[1:]
            return -int(text) if _DIGITS.fullmatch(text) else None
        return int(text) if _DIGITS.fullmatch(text) else None
    return None


class ListedChoiceIterator(forms.models.ModelChoiceIterator):
    """The options of a model select read in one plain query.

    Django reads them with ``QuerySet.iterator()``, which on PostgreSQL is a server-side cursor:
    DECLARE, FETCH and CLOSE, three round trips for every select on every request of a page that
    shows a form (issue 14). The rendered select holds every option anyway, so reading them as
    a list costs no more memory. The same choices in the same order: the empty choice, then one
    per object."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class _IdCheck:
    iterator = ListedChoiceIterator

    def _integer_key(self):
        """Whether the field looks choices up by an integer column (the usual pk)."""
        if self.queryset is None:
            return False
        opts = self.queryset.model._meta
        field = opts.get_field(self.to_field_name) if self.to_field_name else opts.pk
        while field.is_relation:  # a pk that is a one-to-one link to another model
            field = field.target_field
        return isinstance(field, (models.IntegerField, models.AutoField))

    def _id_error(self, value):
        """The code of the error to raise for ``value``, or None if it may be looked up."""
        if isinstance(value, models.Model):
            return None
        number = _as_id(value)
        if number is None:
            return "invalid_pk_value"
        if not 1 <= number <= MAX_ID:
            return "invalid_choice"
        return None


class IdModelChoiceField(_IdCheck, forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and self._integer_key() and self._id_error(value):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)


class IdModelMultipleChoiceField(_IdCheck, forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        if self._integer_key():
            try:
                values = frozenset(value)
            except TypeError:
                values = None  # not a list of values: Django's own check answers
            for pk in values or ():
                code = self._id_error(pk)
                if code == "invalid_pk_value":
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
                if code == "invalid_choice":
                    raise ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": pk},
                    )
        return super()._check_values(value)


# --- numbers: the one parser and the one form field ----------------------------------------------
# Every amount and number people type (forms) or send (CSV/XLSX imports, portal.imports) is read
# here, so "1.234,56" means the same in a form and in a file.

_WHITESPACE = re.compile(r"\s+")  # includes the no-break spaces Excel emits
_CURRENCY = re.compile(r"€|EUR", re.IGNORECASE)
_NUMBER = re.compile(r"([+-]?)([0-9](?:[0-9.,]*[0-9])?)")
_GROUPED = {sep: re.compile(rf"[1-9][0-9]{{0,2}}(?:\{sep}[0-9]{{3}})+") for sep in ".,"}
# "12,345": a thousands group in English notation or three decimals in Dutch notation.
_AMBIGUOUS_COMMA = re.compile(r"[1-9][0-9]{0,2},[0-9]{3}")
_CENT = Decimal("0.01")
# Binary float noise of a spreadsheet cell (0.30000000000000004) is rounded away, nothing more.
_FLOAT_NOISE = Decimal("0.000000001")


class NumberError(ValueError):
    """A value that is not a number as people write it; ``str()`` is the Dutch message (the
    value echoed, cut short), ``code`` one of ``invalid``, ``ambiguous``, ``places``."""

    def __init__(self, message, code="invalid"):
        super().__init__(message)
        self.code = code


def _shown(value) -> str:
    shown = str(value)
    return f'"{shown[:40]}…"' if len(shown) > 40 else f'"{shown}"'


def to_decimal(value, *, grouping: bool) -> Decimal | None:
    """Parse Dutch and English notation alike; None if it is not a number.

    With both separators present the last one is the decimal separator. A lone separator is a
    thousands separator only if ``grouping`` is set and it forms groups of three (``1.234``,
    ``12,345,678``): money and counts never have three decimals, but a measure like schoolweging
    may. ``int`` and ``Decimal`` (typed XLSX cells) pass through."""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return Decimal(value)
    match = _NUMBER.fullmatch(_WHITESPACE.sub("", str(value)))
    if not match:
        return None
    sign, digits = match.groups()
    if "." in digits and "," in digits:
        decimal_sep = digits[max(digits.rfind("."), digits.rfind(","))]
        thousands = "," if decimal_sep == "." else "."
    elif "." in digits or "," in digits:
        sep = "." if "." in digits else ","
        grouped = grouping and _GROUPED[sep].fullmatch(digits)
        thousands, decimal_sep = (sep, None) if grouped else (None, sep)
    else:
        thousands = decimal_sep = None
    whole, _sep, fraction = digits.partition(decimal_sep) if decimal_sep else (digits, "", "")
    if thousands:
        if not _GROUPED[thousands].fullmatch(whole):
            return None
        whole = whole.replace(thousands, "")
    if not whole.isdigit() or (fraction and not fraction.isdigit()):
        return None
    return Decimal(f"{sign}{whole}.{fraction or '0'}")


def _ambiguous(value) -> str | None:
    """The unsigned digits of ``value`` if they are a lone comma followed by exactly three digits
    (``12,345``, ``€ 10,005``): 12345 to an English reader, 12,345 to a Dutch one."""
    if not isinstance(value, str):
        return None
    digits = _WHITESPACE.sub("", _CURRENCY.sub("", value)).lstrip("+-")
    return digits if _AMBIGUOUS_COMMA.fullmatch(digits) else None


def parse_amount(value) -> Decimal:
    """Money in euro, to the cent: ``1234,56``, ``1.234,56``, ``€ 1.234,56``, ``EUR -12,50``,
    ``1234.56``, ``1,234.56``, ``7.500`` (= 7500,00), typed cells (``int``, ``Decimal``).

    Raises :class:`NumberError`: ``invalid`` for what is no number; ``ambiguous`` for a lone
    comma followed by exactly three digits (``12,345``: refused with the hint "schrijf 12.345,00
    of 12,35", issue 13); ``places`` for fractions of a cent, refused rather than rounded, since
    rounding each line would let totals drift from the finance system's by cents."""
    digits = _ambiguous(value)
    if digits:
        thousands = Decimal(digits.replace(",", ""))
        decimal = Decimal(digits.replace(",", ".")).quantize(_CENT, rounding=ROUND_HALF_UP)
        raise NumberError(
            _("%(value)s is dubbelzinnig: schrijf %(thousands)s of %(decimal)s")
            % {
                "value": _shown(value),
                "thousands": format_number(thousands),
                "decimal": format_number(decimal),
            },
            code="ambiguous",
        )
    bare = _CURRENCY.sub("", value) if isinstance(value, str) else value
    number = to_decimal(bare, grouping=True)
    if number is None:
        raise NumberError(
            _("%(value)s is geen geldig bedrag (bijvoorbeeld 1.234,56)") % {"value": _shown(value)}
        )
    try:
        cents = number.quantize(_CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than a Decimal holds (28): no amount of money
        raise NumberError(
            _("%(value)s is geen geldig bedrag (bijvoorbeeld 1.234,56)") % {"value": _shown(value)}
        ) from None
    if abs(cents - number) > _FLOAT_NOISE:
        raise NumberError(
            _("%(value)s heeft meer dan twee decimalen; een bedrag is in hele centen")
            % {"value": _shown(value)},
            code="places",
        )
    return cents


def parse_integer(value) -> int:
    """A whole number such as a pupil count: ``212``, ``1.234``. A lone comma followed by three
    digits (``1,234``) is refused as ambiguous. Raises :class:`NumberError`."""
    digits = _ambiguous(value)
    if digits:
        raise NumberError(
            _("%(value)s is dubbelzinnig: schrijf %(whole)s zonder komma")
            % {"value": _shown(value), "whole": format_number(Decimal(digits.replace(",", "")), 0)},
            code="ambiguous",
        )
    number = to_decimal(value, grouping=True)
    if number is None or number != number.to_integral_value():
        raise NumberError(_("%(value)s is geen geheel getal") % {"value": _shown(value)})
    return int(number)


def parse_decimal(value, places: int | None = None) -> Decimal:
    """A measure such as schoolweging ``33,4`` or a share of pupils ``12,5``: a lone separator is
    the decimal one. With ``places`` more decimals than that are refused (``places``).
    Raises :class:`NumberError`."""
    bare = value.strip().rstrip("%").strip() if isinstance(value, str) else value
    number = to_decimal(bare, grouping=False)
    if number is None:
        raise NumberError(_("%(value)s is geen geldig getal") % {"value": _shown(value)})
    if places is not None:
        try:
            rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        except InvalidOperation:  # more digits than a Decimal holds (28)
            raise NumberError(
                _("%(value)s is geen geldig getal") % {"value": _shown(value)}
            ) from None
        if abs(rounded - number) > _FLOAT_NOISE:
            raise NumberError(
                _("%(value)s heeft meer dan %(places)s decimalen")
                % {"value": _shown(value), "places": places},
                code="places",
            )
        number = rounded
    return number


class NumberInput(forms.TextInput):
    """A text input: ``<input type="number">`` reads "200000,00" by the browser's locale (an
    English browser stored 20.000.000,00), so the portal reads the text itself."""

    input_type = "text"

    def __init__(self, attrs=None, *, inputmode="decimal"):
        super().__init__({"inputmode": inputmode, "autocomplete": "off", **(attrs or {})})


class AmountField(forms.Field):
    """The form field of every amount: :func:`parse_amount`'s notations, shown back in nl-NL
    (``200.000,00``), errors at the field in Dutch. Accepts the keyword arguments Django's model
    DecimalField passes (``max_digits``, ``decimal_places``, ``min_value``, ``max_value``)."""

    widget = NumberInput
    places = 2

    def __init__(
        self,
        *,
        max_digits=14,
        decimal_places=None,
        min_value=None,
        max_value=None,
        step_size=None,
        localize=False,
        **kwargs,
    ):
        self.max_digits = max_digits
        self.min_value, self.max_value = min_value, max_value
        if decimal_places is not None:
            self.places = decimal_places
        super().__init__(**kwargs)

    def parse(self, value):
        return parse_amount(value)

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return self.parse(value)
        except NumberError as error:
            raise ValidationError(str(error), code=error.code) from None

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        if self.min_value is not None and value < self.min_value:
            raise ValidationError(
                _("Vul %(min)s of meer in.") % {"min": self.format(self.min_value)},
                code="min_value",
            )
        if self.max_value is not None and value > self.max_value:
            raise ValidationError(
                _("Vul %(max)s of minder in.") % {"max": self.format(self.max_value)},
                code="max_value",
            )
        if self.max_digits and len(str(abs(int(value)))) > self.max_digits - self.places:
            raise ValidationError(_("Dit getal is te groot."), code="max_digits")

    def format(self, value) -> str:
        return format_number(value, self.places)

    def prepare_value(self, value):
        """Bound data is shown as typed; a stored value in nl-NL notation."""
        if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
            return self.format(value)
        return value


class DecimalNumberField(AmountField):
    """A measure with ``decimal_places`` decimals (share of pupils ``12,5``): a lone separator is
    the decimal one, no currency sign."""

    def parse(self, value):
        return parse_decimal(value, self.places)


class CountField(AmountField):
    """A whole number (pupil count, months): ``212``, ``1.234``."""

    places = 0

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", NumberInput(inputmode="numeric"))
        kwargs.pop("decimal_places", None)
        super().__init__(**kwargs)

    def parse(self, value):
        return parse_integer(value)

    def format(self, value) -> str:
        return str(value)


def number_formfield(db_field, **kwargs):
    """The portal's form field for a model's number column, or None for any other column:
    money (14 digits, 2 decimals) an :class:`AmountField`, other decimals a
    :class:`DecimalNumberField`, whole numbers a :class:`CountField`. For forms Django builds
    from models without a form of the portal's own (the admin: ``NumberFieldsAdmin``), so no
    form anywhere has an ``<input type="number">`` that reads "200000,00" by the browser's
    locale (issue 10 §2)."""
    if db_field.choices or db_field.is_relation or isinstance(db_field, models.AutoField):
        return None
    if isinstance(db_field, models.DecimalField):
        money = db_field.max_digits == 14 and db_field.decimal_places == 2
        form_class = AmountField if money else DecimalNumberField
    elif isinstance(db_field, models.IntegerField):
        form_class = CountField
    else:
        return None
    return db_field.formfield(form_class=form_class, **kwargs)


# --- pickers: a typed code instead of a select of every row (issue 14 §1) ------------------------


class LookupInput(forms.TextInput):
    """A text input for a code or reference, tied to a ``<datalist>`` that
    ``static/js/lookup.js`` fills from ``lookup_url`` (JSON, see the lookup views) as the user
    types. Without JavaScript it is a plain text input: the user types the code."""

    template_name = "portal/widgets/lookup.html"

    class Media:
        js = ("js/lookup.js",)

    def __init__(self, attrs=None, *, lookup_url=""):
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})
        self.lookup_url = lookup_url

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        attrs = context["widget"]["attrs"]
        if self.lookup_url and attrs.get("id"):
            attrs["list"] = f"{attrs['id']}-options"
            attrs["data-lookup-url"] = self.lookup_url
        return context


class CodeChoiceField(IdModelChoiceField):
    """A model choice typed as its code (``to_field_name``, e.g. an activity's ``code``, a
    grant's ``reference``, a school's ``code``) and resolved within ``queryset``, which the form
    limits to the current municipality. The page never lists the rows, so its size and query
    count do not grow with them.

    ``normalize`` (str -> str) is applied to the typed text first (e.g. ``str.upper`` for
    school codes). Raises ``ValidationError`` (``invalid_choice``) with a Dutch message that
    names the typed value when no row of the municipality has that code."""

    widget = LookupInput

    def __init__(self, *, to_field_name, lookup_url="", normalize=None, **kwargs):
        kwargs.setdefault("widget", LookupInput(lookup_url=lookup_url))
        super().__init__(to_field_name=to_field_name, **kwargs)
        self.normalize = normalize
        self.error_messages["invalid_choice"] = gettext_lazy(
            "%(value)s is niet gevonden in deze gemeente. Typ de code zoals die in de lijst staat."
        )

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
            if value and self.normalize:
                value = self.normalize(value)
        if value in self.empty_values:
            return None
        try:
            return self.queryset.get(**{self.to_field_name: value})
        except (ValueError, TypeError, self.queryset.model.DoesNotExist):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": _shown(value)},
            ) from None
        except self.queryset.model.MultipleObjectsReturned:
            raise ValidationError(
                _("%(value)s is niet eenduidig; kies een waarde uit de lijst."),
                code="invalid_choice",
                params={"value": _shown(value)},
            ) from None

    def prepare_value(self, value):
        if isinstance(value, models.Model):
            return getattr(value, self.to_field_name)
        if isinstance(value, int) and not isinstance(value, bool):
            # the initial value of a bound instance is its id: show its code instead
            return self.queryset.filter(pk=value).values_list(self.to_field_name, flat=True).first()
        return value

    def has_changed(self, initial, data):
        return str(self.prepare_value(initial) or "") != str(data or "").strip()


_CODE_SEPARATORS = re.compile(r"[\s,;]+")


class CodeMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several rows typed as their codes, separated by commas, semicolons or spaces
    (``91KA00, 92LB00``), resolved within ``queryset`` (the current municipality) in one query.
    Cleans to a list of model instances in the order typed, duplicates dropped. Raises
    ``ValidationError`` (``invalid_choice``) naming every code not found."""

    widget = LookupInput

    def __init__(self, *, to_field_name, lookup_url="", normalize=None, **kwargs):
        kwargs.setdefault(
            "widget", LookupInput({"data-lookup-multiple": "1"}, lookup_url=lookup_url)
        )
        super().__init__(to_field_name=to_field_name, **kwargs)
        self.normalize = normalize

    def _codes(self, value) -> list[str]:
        if isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value)
        codes = [c for c in _CODE_SEPARATORS.split(str(value or "")) if c]
        if self.normalize:
            codes = [self.normalize(c) for c in codes]
        return list(dict.fromkeys(codes))

    def clean(self, value):
        codes = self._codes(value)
        if not codes:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        found = {
            getattr(row, self.to_field_name): row
            for row in self.queryset.filter(**{f"{self.to_field_name}__in": codes})
        }
        missing = [c for c in codes if c not in found]
        if missing:
            raise ValidationError(
                _("Niet gevonden in deze gemeente: %(codes)s.")
                % {"codes": ", ".join(_shown(c) for c in missing)},
                code="invalid_choice",
            )
        return [found[c] for c in codes]

    def prepare_value(self, value):
        if isinstance(value, str) or value is None:
            return value
        return ", ".join(
            getattr(v, self.to_field_name) if isinstance(v, models.Model) else str(v) for v in value
        )

    def has_changed(self, initial, data):
        return self.prepare_value(initial or []) != ", ".join(self._codes(data))
