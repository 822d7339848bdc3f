"""Cell parsers and errors the schools app's imports share: BRIN and vestigingsnummer,
gemeentenummer, school year, percentage. Each parser raises ImportValueError with a Dutch
reason (portal.imports.parsers holds the generic ones)."""

import re
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from portal.imports import ImportValueError, RowError, decimal_number, integer
from portal.limits import plausible_years

_BRIN = re.compile(r"[0-9]{2}[A-Z]{2}")
_VESTIGING = re.compile(r"(?:[0-9]{2}[A-Z]{2})?([0-9]{2})")
_SCHOOL_YEAR = re.compile(r"([0-9]{4})-([0-9]{4})")


def brin(value) -> str:
    """A BRIN number (``16SW``), upper-cased; raises ImportValueError otherwise."""
    code = str(value).strip().upper()
    if not _BRIN.fullmatch(code):
        raise ImportValueError(
            _("%(value)s is geen geldig BRIN-nummer (bijvoorbeeld 16SW)") % {"value": f'"{value}"'}
        )
    return code


def vestiging(value) -> str:
    """``00``, ``0`` (Excel ate a zero) or the full ``00AP00`` of the newer layout."""
    text = str(value).strip().upper()
    if text.isdigit() and len(text) == 1:
        text = "0" + text
    match = _VESTIGING.fullmatch(text)
    if not match:
        raise ImportValueError(
            _("%(value)s is geen geldig vestigingsnummer (bijvoorbeeld 00)")
            % {"value": f'"{value}"'}
        )
    return match[0]


def gemeentenummer(value) -> str:
    """DUO's GEMEENTENUMMER (``756``, ``0756``) as a CBS code ``GM0756``; raises
    ImportValueError outside 1-9999."""
    try:
        number = integer(value)
    except ImportValueError:
        number = 0
    if not 0 < number < 10000:
        raise ImportValueError(
            _("%(value)s is geen geldig gemeentenummer (bijvoorbeeld 0756)")
            % {"value": f'"{value}"'}
        )
    return f"GM{number:04d}"


def school_year(value) -> str:
    """A school year ``2023-2024`` (consecutive years, in settings.PLAUSIBLE_YEARS); raises
    ImportValueError otherwise."""
    match = _SCHOOL_YEAR.fullmatch(str(value).strip())
    first, last = plausible_years()
    if not match or int(match[2]) != int(match[1]) + 1 or not first <= int(match[1]) < last:
        raise ImportValueError(
            _("%(value)s is geen schooljaar (schrijf 2023-2024)") % {"value": f'"{value}"'}
        )
    return match[0]


def percentage(value) -> Decimal:
    """A share 0-100 (``12,5`` or ``12,5%``) as a Decimal with two places; raises
    ImportValueError for more decimals or outside 0-100."""
    # Two decimals at most, as the scan form's field: 12,345 is refused, not read as 12,34.
    number = decimal_number(
        str(value).rstrip("%").strip() if isinstance(value, str) else value, places=2
    )
    if not 0 <= number <= 100:
        raise ImportValueError(_("%(value)s ligt niet tussen 0 en 100") % {"value": f'"{value}"'})
    return number.quantize(Decimal("0.01"))


def not_in_municipality(line, column, code, municipality) -> RowError:
    """The error for a row about ``code`` (a school) of another municipality than the one the
    import is limited to."""
    return RowError(
        line,
        column,
        str(
            _("%(code)s hoort niet bij gemeente %(name)s")
            % {"code": code, "name": municipality.name}
        ),
    )
