"""nl-NL formatting of money, numbers and dates, independent of the active language
(product.md: EUR 1.034.000,00 and 26-04-2023 in the interface, the PDFs and the e-mails)."""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext

CENT = Decimal("0.01")


def format_number(value, places: int = 2) -> str:
    """``Decimal('1034000')`` -> ``'1.034.000,00'``; never goes through float."""
    if value is None or value == "":
        return ""
    value = Decimal(value)
    quantum = Decimal(1).scaleb(-places)
    text = f"{value.quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_money(value) -> str:
    """``'€ 1.034.000,00'``, negative as ``'€ -12,50'``; empty for None."""
    if value is None or value == "":
        return ""
    return f"€\u00a0{format_number(value)}"


def format_percent(value, places: int = 1) -> str:
    if value is None:
        return ""
    return f"{format_number(value, places)}%"


def format_date(value) -> str:
    if not value:
        return ""
    if isinstance(value, datetime):
        from django.utils import timezone

        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%d-%m-%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    return str(value)


def format_value(value) -> str:
    """Any value as people read it in a table cell (import previews): nothing for None,
    ja/nee for booleans, nl-NL decimals and dates, integers (years, counts) and text as
    they are. Never "True" or "None"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("ja") if value else gettext("nee")
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        return format_number(value, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    if isinstance(value, (date, datetime)):
        return format_date(value)
    return str(value)
