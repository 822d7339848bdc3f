"""Excel's and finance systems' CSV quirks (issue 11, section 3): the ``sep=`` first line,
"Unicode text" (UTF-16 with BOM, tab-separated) and tab-separated CSV read like any CSV."""

import codecs
import io
from pathlib import Path

import pytest
from django.urls import reverse

from portal import csv_dialect
from portal.imports import read_table
from portal.models import Role

from . import factories as f

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


# --- the sample files of each kind (portal/demo_data) ------------------------------------------

DATA = Path(__file__).resolve().parent.parent / "portal" / "demo_data"


@pytest.mark.parametrize("name", ["expenditures_excel_sep.csv", "expenditures_excel_unicode.txt"])
def test_excel_exports_of_the_expenditure_file_read_like_the_csv(name):
    expected = [cells for _line, cells in read_table((DATA / "expenditures.csv").read_bytes())][:4]
    table = read_table((DATA / name).read_bytes(), filename=name)
    assert [cells for _line, cells in table] == expected


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["expenditures_excel_sep.csv", "expenditures_excel_unicode.txt"])
def test_browser_preview_of_an_excel_export_in_dutch_notation(client, world, name):
    """The preview shows the file's headers, amounts and dates in nl-NL notation, booleans as
    ja/nee and invoice numbers as written; the sep= line costs a line number."""
    for reference in ("GOAB-2023-2026", "SPUK-NPO-2021"):
        f.GrantFactory(municipality=world.municipality, reference=reference)
    for code in ("KOO", "TVT"):
        f.ActivityFactory(municipality=world.municipality, code=code)
    client.force_login(world.users[Role.POLICY_OFFICER])
    target = reverse(
        "funding:expenditures_import", kwargs={"municipality": world.municipality.slug}
    )
    upload = io.BytesIO((DATA / name).read_bytes())
    upload.name = name
    response = client.post(target, {"file": upload})
    result = response.context["result"]
    assert response.status_code == 200, result.error_lines()
    headers, rows = result.preview_table()
    assert headers[:6] == ["regel", "municipality", "booking_id", "grant", "date", "amount"]
    first = dict(zip(headers, rows[0], strict=True))
    assert first["regel"] == ("3" if name.endswith(".csv") else "2")
    assert (first["date"], first["amount"], first["new_construction"]) == (
        "15-02-2023",
        "12.500,00",
        "nee",
    )
    page = response.content.decode()
    assert "<td>12.500,00</td>" in page and "<td>SB/2023/77</td>" in page
