"""Excel's and finance systems' CSV quirks (issue 11, section 3): the ``sep=`` first line,
"Unicode text" (UTF-16 with BOM, tab-separated) and tab-separated CSV read like any CSV."""

import codecs

import pytest

from portal import csv_dialect
from portal.imports import read_table

ROWS = "municipality{d}amount{d}note\nGM0363{d}1.234,56{d}café\nGM0014{d}12,50{d}\n"


def _rows(table):
    return [(line, cells) for line, cells in table]


def test_excel_sep_line_is_skipped_not_read_as_the_header():
    data = ("sep=;\n" + ROWS.format(d=";")).encode("utf-8")
    table = read_table(data)
    assert table.headers == ["municipality", "amount", "note"]
    rows = _rows(table)
    # Physical line numbers: sep= is line 1, the header line 2.
    assert rows[0] == (3, {"municipality": "GM0363", "amount": "1.234,56", "note": "café"})
    assert rows[1][0] == 4


def test_sep_line_names_the_delimiter_even_when_another_is_more_frequent():
    data = 'sep=,\r\nmunicipality,note\r\nGM0363,"a;b;c;d"\r\n'.encode("cp1252")
    assert _rows(read_table(data)) == [(3, {"municipality": "GM0363", "note": "a;b;c;d"})]


def test_excel_unicode_text_utf16_with_bom_tab_separated():
    data = codecs.BOM_UTF16_LE + ROWS.format(d="\t").replace("\n", "\r\n").encode("utf-16-le")
    table = read_table(data, filename="export.txt")
    assert table.headers == ["municipality", "amount", "note"]
    assert _rows(table)[0] == (
        2,
        {"municipality": "GM0363", "amount": "1.234,56", "note": "café"},
    )


def test_utf16_big_endian_with_sep_line():
    text = "sep=\t\n" + ROWS.format(d="\t")
    data = codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    assert read_table(data).headers == ["municipality", "amount", "note"]


def test_tab_separated_utf8_csv():
    table = read_table(ROWS.format(d="\t").encode("utf-8"))
    assert _rows(table)[1] == (3, {"municipality": "GM0014", "amount": "12,50", "note": ""})


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ("a;b;c\n1;2;3", (";", 0)),
        ("a,b,c", (",", 0)),
        ("a\tb;c\td", ("\t", 0)),
        ("sep=|\na|b", ("|", 1)),
        ("\ufeffSEP=;\na;b", (";", 1)),
        ('"a;b",c', (",", 0)),
        ("single", (",", 0)),
    ],
)
def test_sniff(head, expected):
    assert csv_dialect.sniff(head) == expected


def test_detect_encodings():
    assert csv_dialect.detect("a;b\né;1".encode()).encoding == "utf-8"
    assert csv_dialect.detect(codecs.BOM_UTF8 + b"a;b").encoding == "utf-8-sig"
    assert csv_dialect.detect("a;b\né;1".encode("cp1252")).encoding == "cp1252"
    assert csv_dialect.detect("a\tb".encode("utf-16")).encoding == "utf-16"
