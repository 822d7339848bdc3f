"""The import framework's cell parsers (portal.imports.parsers): amounts, numbers, dates,
booleans, municipality and location codes, choices and lists in Dutch notation."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import translation

from portal import imports
from portal.domain import Severity, Theme
from portal.imports import (
    Column,
    ImportValueError,
    amount,
    boolean,
    choice,
    decimal_number,
    integer,
    location_code,
    multi,
    normalise_municipality_code,
    small_count,
)

# --- value parsers -----------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1234.56", "1234.56"),
        ("1234,56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("EUR 1.234,56", "1234.56"),
        ("€ 1.234,56", "1234.56"),
        ("€\xa01.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("-1.234,56", "-1234.56"),
        ("€ -1.234,56", "-1234.56"),
        ("1.234", "1234.00"),
        ("1,234,567", "1234567.00"),
        ("12,5", "12.50"),
        ("7", "7.00"),
        (Decimal("0.30000000000000004"), "0.30"),
        (12, "12.00"),
    ],
)
def test_amount_formats(raw, expected):
    parsed = amount(raw)
    assert parsed == Decimal(expected)
    assert parsed.as_tuple().exponent == -2


@pytest.mark.parametrize(
    "raw", ["abc", "1.23.4,5", "12,34,5", "1,2.3", "--5", "€", "1e5", "NaN", ",5", True]
)
def test_amount_rejects_garbage(raw):
    with pytest.raises(ImportValueError, match="geen geldig bedrag"):
        amount(raw)


@pytest.mark.parametrize("raw", ["0,125", "0,005", "1.2345", Decimal("12.345")])
def test_amount_with_fractions_of_a_cent_is_refused_not_rounded(raw):
    with pytest.raises(ImportValueError, match="meer dan twee decimalen"):
        amount(raw)


def test_numbers_with_three_decimals():
    assert decimal_number("33,125") == Decimal("33.125")
    assert decimal_number("33,4") == Decimal("33.4")
    assert integer("1.234") == 1234
    assert integer(Decimal("3.0")) == 3
    with pytest.raises(ImportValueError):
        integer("3,5")


def test_small_count_hides_suppressed_values():
    assert small_count("<5") is None
    assert small_count("12") == 12


@pytest.mark.parametrize(
    "raw", ["2022-03-01", "01-03-2022", "1-3-2022", datetime(2022, 3, 1), date(2022, 3, 1)]
)
def test_dates(raw):
    assert imports.date(raw) == date(2022, 3, 1)


@pytest.mark.parametrize("raw", ["31-02-2022", "2022-13-01", "01/03/2022", "gisteren"])
def test_invalid_dates(raw):
    with pytest.raises(ImportValueError, match="geen geldige datum"):
        imports.date(raw)


def test_booleans():
    assert [boolean(v) for v in ("true", "JA", "yes", "1", "WAAR", True)] == [True] * 6
    assert [boolean(v) for v in ("false", "Nee", "no", "0", "ONWAAR", 0)] == [False] * 6
    with pytest.raises(ImportValueError):
        boolean("misschien")


def test_blank_values_use_the_default_or_are_required():
    assert Column("active", parse=boolean, default=True).clean("") is True
    with pytest.raises(ImportValueError, match="waarde ontbreekt"):
        Column("amount", required=True, parse=amount).clean("")
    assert Column("note", required=True, blank=True).clean("") is None


@pytest.mark.parametrize("raw", ["GM0363", "gm0363", "0363", "363", 363])
def test_municipality_codes(raw):
    assert normalise_municipality_code(raw) == "GM0363"


@pytest.mark.parametrize("raw", ["GM03630", "AB0363", "0", ""])
def test_invalid_municipality_codes(raw):
    with pytest.raises(ImportValueError):
        normalise_municipality_code(raw)


def test_location_choice_and_multi():
    assert location_code(" 12ab00 ") == "12AB00"
    with pytest.raises(ImportValueError):
        location_code("12AB0")
    assert choice(["PO", "VO"])("vo") == "VO"
    with pytest.raises(ImportValueError, match="toegestaan: PO, VO"):
        choice(["PO", "VO"])("MBO")
    assert multi()("taal | rekenen||") == ["taal", "rekenen"]
    assert multi(integer, sep=",")("1,2") == [1, 2]


SEVERITY_LABELS = {label: code for code, label in Severity.choices}
THEME_LABELS = {label: code for code, label in Theme.choices}


def test_choice_with_labels_accepts_codes_and_dutch_labels_in_any_case_and_spacing():
    severity = choice(Severity.values, labelled=SEVERITY_LABELS)
    assert [severity(v) for v in ("moderate", "MATIG", " ernstig ", "Geen", "beperkt")] == [
        "moderate",
        "moderate",
        "severe",
        "none",
        "limited",
    ]
    theme = choice(Theme.values, labelled=THEME_LABELS)
    assert theme("Sociaal-emotioneel /\xa0 welbevinden") == "sociaal_emotioneel"
    assert theme("taal   en LEZEN") == theme("TAAL") == "taal"


def test_choice_with_labels_reads_them_in_dutch_whatever_language_is_active():
    theme = choice(Theme.values, labelled=THEME_LABELS)
    with translation.override("en"):
        assert theme("taal en lezen") == "taal"
        with pytest.raises(ImportValueError) as refused:
            theme("language and reading")
        assert '"taal en lezen", "rekenen"' in str(refused.value)
        assert "language and reading" not in str(refused.value).split("(")[1]


def test_choice_error_lists_the_labels_not_the_keys():
    with pytest.raises(ImportValueError) as refused:
        choice(Severity.values, labelled=SEVERITY_LABELS)("moderately")
    assert str(refused.value) == (
        '"moderately" is geen geldige keuze (toegestaan: "geen", "beperkt", "matig", "ernstig")'
    )


def test_a_code_wins_over_a_label_that_spells_another_values_code():
    parse = choice(["a", "b"], labelled={"b": "a", "c": "b"})
    assert (parse("b"), parse("c"), parse("A")) == ("b", "b", "a")
