"""Cell parsers of the import framework: Dutch notation for amounts, numbers, dates, booleans
and codes. Each raises :class:`ImportValueError` with a Dutch reason."""

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date as Date
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Choices
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ..fields import NumberError, parse_amount, parse_decimal, parse_integer
from ..limits import LimitError, check_year

#: A raw cell: a stripped string (CSV, XLSX text) or the typed value of an
#: XLSX cell (int, Decimal, date, time, bool). Empty cells are "".
Cell = Any


class ImportValueError(ValueError):
    """An invalid value; ``column`` names the culprit of a cross-field check."""

    def __init__(self, message, column=None):
        super().__init__(message)
        self.column = column


class ImportValueErrors(ImportValueError):
    """Several problems of one row at once, from a ``clean_row``: each is reported."""

    def __init__(self, problems: list[ImportValueError]):
        super().__init__("; ".join(map(str, problems)))
        self.problems = list(problems)


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


_WHITESPACE = re.compile(r"\s+")  # includes the no-break spaces Excel emits


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
    try:
        return _number(parse_amount, value)
    except ArithmeticError:  # more digits than Decimal's context holds (a 40-digit "amount")
        raise _invalid(
            _("%(value)s is geen geldig bedrag (bijvoorbeeld 1.234,56)"), value
        ) from None


def optional_amount(value: Cell) -> Decimal | None:
    """An amount where spreadsheets write ``-`` for "no amount"."""
    return None if value == "-" else amount(value)


def decimal_number(value: Cell, places: int | None = None) -> Decimal:
    """A measure such as schoolweging ``33,4``; a lone separator is decimal. With ``places``
    more decimals than that are refused, not rounded, as the form field refuses them
    (portal.fields.parse_decimal)."""
    return _number(parse_decimal, value, places)


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
    """``2022-03-01`` or ``01-03-2022``, or an XLSX date cell, in a plausible year
    (settings.PLAUSIBLE_YEARS, default 2000-2100: year 0001, 9999 or an XLSX 1900 is a typo)."""
    if isinstance(value, datetime):
        return _plausible(value.date())
    if isinstance(value, Date):
        return _plausible(value)
    match = _DATES[0].fullmatch(str(value)) or _DATES[1].fullmatch(str(value))
    if match:
        try:
            parsed = Date(**{part: int(number) for part, number in match.groupdict().items()})
        except ValueError:  # 31-02-2022, year 0000
            pass
        else:
            return _plausible(parsed)
    raise _invalid(_("%(value)s is geen geldige datum (gebruik jjjj-mm-dd of dd-mm-jjjj)"), value)


def _plausible(value: Date) -> Date:
    try:
        return check_year(value)
    except LimitError as error:
        raise ImportValueError(str(error)) from None


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


def choice(
    values: Iterable[str], *, labelled: Mapping[str, str] | None = None
) -> Callable[[Cell], str]:
    """A parser accepting one of ``values`` in any case, returning it as declared.

    ``labelled`` maps the labels people see in the interface to those values (label -> value,
    e.g. ``{label: value for value, label in Severity.choices}``): a cell may then also give a
    label, as the interface writes it in Dutch (``"Matig"`` for ``moderate``), in any case and
    with any run of spaces read as one. The labels are read in Dutch (they may be lazy
    translations) when the first cell is parsed; a code wins over a label that spells another
    value's code. The error of a value that is neither then lists the Dutch labels, which is
    what people know, instead of the codes.

    Raises ImportValueError (Dutch reason, the value and what is allowed) for any other value.
    """
    values = list(values)
    prepared: tuple[dict[str, str], str] | None = None

    def prepare() -> tuple[dict[str, str], str]:
        """``(normalised code or label -> value, the allowed values as the error lists them)``,
        built whole before it is used, so a second thread never sees half of it."""
        codes = {_choice_key(v): v for v in values}
        if labelled is None:
            return codes, ", ".join(map(str, codes.values()))
        # The interface's labels are Dutch: read them so whatever language is active.
        with translation.override("nl"):
            labels = {str(label): value for label, value in labelled.items()}
        lookup = {_choice_key(label): value for label, value in labels.items()} | codes
        return lookup, ", ".join(f'"{label}"' for label in labels)

    def parse(value: Cell) -> str:
        nonlocal prepared
        if prepared is None:
            prepared = prepare()
        lookup, allowed = prepared
        try:
            return lookup[_choice_key(value)]
        except KeyError:
            message = _("%(value)s is geen geldige keuze (toegestaan: %(allowed)s)")
            raise _invalid(message, value, allowed=allowed) from None

    return parse


def labelled_choice(choices: type[Choices]) -> Callable[[Cell], str]:
    """:func:`choice` over a Django ``TextChoices`` class that also reads its labels: a cell
    may give the code (``moderate``) or the Dutch label the interface shows (``Matig``).
    Import columns of a choice field use this, so a file typed from what people see on the
    page is read as they meant it. Raises ImportValueError like :func:`choice`.

    The parser's ``display(value)`` gives a stored code back as its label in the active
    language (the import preview shows "matig", not ``moderate``)."""
    parse = choice(choices.values, labelled={label: value for value, label in choices.choices})
    labels = dict(choices.choices)
    parse.display = lambda value: str(labels.get(value, value))
    return parse


def _choice_key(value: Cell) -> str:
    """A cell as choice() looks it up: lower case, trimmed, every run of whitespace (no-break
    spaces too) one space."""
    return _WHITESPACE.sub(" ", str(value)).strip().lower()


def multi(item_parser: Callable[[Cell], Any] = text, sep: str = "|") -> Callable[[Cell], list]:
    """A parser for a list in one cell, e.g. ``taal|rekenen``; empty items are dropped. When
    ``item_parser`` has a ``display`` (:func:`labelled_choice`), so does the list's parser:
    the items' labels joined by ``sep``."""

    def parse(value: Cell) -> list:
        return [item_parser(item) for item in map(str.strip, str(value).split(sep)) if item]

    item_display = getattr(item_parser, "display", None)
    if item_display is not None:
        parse.display = lambda values: sep.join(map(item_display, values))
    return parse


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
