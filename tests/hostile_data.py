"""What the hostile-input suite (tests/test_hostile_*.py, issue 13 §6) feeds the importers:
each importer with one valid row and the kind of every column (``SPECS``), the hostile values
per kind (``REFUSED``/``ACCEPTED``), one over-limit value per model field (``over_limit``),
whole broken files (``file_cases``), and running an import bounded in time and memory with the
row counts before and after (``run_bounded``). Not a test module: the test modules import it.
"""

import csv
import functools
import io
import time
import tracemalloc
import zipfile
from dataclasses import dataclass

import openpyxl
from django.db import models
from django_scopes import scopes_disabled

from funding.models import Activity, Expenditure, FundingLine, Grant
from funding.services.activities import ActivityImporter
from funding.services.expenditure_import import ExpenditureImporter
from funding.services.grants import GrantImporter
from portal import limits
from portal.models import Municipality
from schools.imports import NeedImporter, SchoolImporter, SchoolWeightImporter
from schools.models import Need, Scan, School, SchoolWeight

from . import factories as f

SECONDS = 10  # per case, generous for a loaded CI machine
PEAK_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Spec:
    """An importer with one valid row, and the kind of every column."""

    make: object
    row: dict
    kinds: dict  # column -> text | amount | credit | integer | date | code
    fields: dict  # column -> model field whose limits apply


def model_field(model, name):
    return model._meta.get_field(name)


SPECS = {
    "grants": Spec(
        make=lambda m: GrantImporter(municipality=m),
        row={
            "municipality": "GM0363",
            "stream": "GOAB",
            "reference": "G-NIEUW",
            "window_start": "2023-01-01",
            "window_end": "2024-12-31",
            "amount": "1.000,00",
            "carry_over": "",
            "carried_from": "",
        },
        kinds={
            "reference": "text",
            "window_start": "date",
            "window_end": "date",
            "amount": "amount",
            "municipality": "code",
            "stream": "code",
        },
        fields={
            "reference": model_field(Grant, "reference"),
            "amount": model_field(Grant, "amount"),
        },
    ),
    "activities": Spec(
        make=lambda m: ActivityImporter(municipality=m),
        row={
            "owner": "GM0363",
            "code": "A-NIEUW",
            "name": "Voorlezen",
            "themes": "taal",
            "schools": "",
            "sectors": "",
            "start": "2023-01-01",
            "end": "2023-12-31",
            "planned_cost": "1000",
            "funding": "GOAB:1000",
            "menukaart": "",
            "partner": "Bibliotheek",
        },
        kinds={
            "code": "text",
            "name": "text",
            "partner": "text",
            "start": "date",
            "end": "date",
            "planned_cost": "credit",
            "owner": "code",
            "themes": "code",
        },
        fields={
            "code": model_field(Activity, "code"),
            "name": model_field(Activity, "name"),
            "partner": model_field(Activity, "partner"),
            "planned_cost": model_field(Activity, "planned_cost"),
        },
    ),
    "expenditures": Spec(
        make=lambda m: ExpenditureImporter(municipality=m),
        row={
            "municipality": "GM0363",
            "booking_id": "B-NIEUW",
            "grant": "GOAB-1",
            "date": "2023-03-01",
            "amount": "1.234,56",
            "supplier": "Leverancier BV",
            "invoice_number": "F-1",
            "description": "Boeken",
            "school": "",
            "depreciation_months": "",
            "new_construction": "",
        },
        kinds={
            "booking_id": "text",
            "supplier": "text",
            "invoice_number": "text",
            "description": "text",
            "date": "date",
            "amount": "credit",
            "depreciation_months": "integer",
            "municipality": "code",
            "school": "code",
        },
        fields={
            name: model_field(Expenditure, name)
            for name in (
                "booking_id",
                "supplier",
                "invoice_number",
                "description",
                "amount",
                "depreciation_months",
            )
        },
    ),
    "schools": Spec(
        make=lambda m: SchoolImporter(municipality=m, sector="BO"),
        row={
            "brin": "16SW",
            "vestiging": "04",
            "name": "De Regenboog",
            "gemeentenummer": "0363",
            "gemeentenaam": "Amsterdam",
            "street": "Dorpsstraat",
            "house_number": "1",
            "postcode": "1011AB",
            "city": "Amsterdam",
            "denomination": "Openbaar",
            "pupil_count": "210",
        },
        kinds={
            "name": "text",
            "street": "text",
            "house_number": "text",
            "postcode": "text",
            "city": "text",
            "denomination": "text",
            "pupil_count": "integer",
            "brin": "code",
            "vestiging": "code",
            "gemeentenummer": "code",
        },
        fields={
            name: model_field(School, name)
            for name in (
                "name",
                "street",
                "house_number",
                "postcode",
                "city",
                "denomination",
                "pupil_count",
            )
        },
    ),
    "weights": Spec(
        make=lambda m: SchoolWeightImporter(municipality=m, school_year="2023-2024"),
        row={"ovt": "16SW03", "schoolweging": "31,5", "aantal_leerlingen": "200"},
        kinds={"aantal_leerlingen": "integer", "schoolweging": "code", "ovt": "code"},
        fields={"aantal_leerlingen": model_field(SchoolWeight, "pupil_count")},
    ),
    "needs": Spec(
        make=lambda m: NeedImporter(municipality=m),
        row={
            "school": "16SW03",
            "school_year": "2023-2024",
            "theme": "taal",
            "severity": "moderate",
            "share_of_pupils": "20",
        },
        kinds={"school_year": "code", "theme": "code", "severity": "code", "school": "code"},
        fields={},
    ),
}

COUNTED = (
    Grant,
    Activity,
    FundingLine,
    Expenditure,
    School,
    SchoolWeight,
    Scan,
    Need,
    Municipality,
)

# --- hostile values --------------------------------------------------------------------------


def over_limit(field: models.Field) -> str:
    """One value just over what ``field`` can store, written as people would."""
    if isinstance(field, models.DecimalField):
        return "1" + "0" * (field.max_digits - field.decimal_places)  # one digit too many
    if field.get_internal_type() in limits.INTEGER_RANGES:
        return str(limits.INTEGER_RANGES[field.get_internal_type()][1] + 1)
    return "x" * (field.max_length + 1)


REFUSED = {
    "text": [
        "a\x00b",  # PostgreSQL refuses NUL in text
        "\u202eLeverancier",  # right-to-left override ("Trojan Source")
        "Lever\u2066ancier",  # bidi isolate
        "bel\x07l",  # a control character
        '=HYPERLINK("http://x")',  # a formula
        "=1+1",
        "x" * 100_000,  # a supplier name of 100,000 characters
    ],
    "amount": [
        "1" * 13,
        "1" * 20,
        "12,345",  # ambiguous: a fraction of a cent or twelve thousand
        "10,005",
        "1.234,567",
        "1e30",
        "NaN",
        "Infinity",
        "-12,50",  # grants are never negative
        "€",
        "12,34,56",
        "0x10",
    ],
    "credit": [
        "1" * 13,
        "1" * 20,
        "12,345",
        "10,005",
        "1e30",
        "NaN",
        "12,34,56",
    ],
    "integer": [
        str(10**10),
        "-1",
        "2147483648",
        "1,5",
        "1e3",
        "9" * 40,
    ],
    "date": [
        "0001-01-01",
        "0000-01-01",
        "9999-12-31",
        "1900-01-01",
        "2101-01-01",
        "31-02-2023",
        "2023-13-01",
        "01/03/2023",
        "2023-03-01T00:00",
    ],
    "code": [
        "x" * 300,
        "\x00",
        "\u202eGM0363",
        "=1+1",
    ],
}
ACCEPTED = {
    "text": ["Be\u200bta", "Caf\u00e9 \u00c9\u00e9n", "@home", "'quoted'", "émoji 🎓"],
    "amount": ["7.500", "1.234,56", "€ 12,35", "1,234.56"],
    "credit": ["-12,50", "7.500", "(geen)"[0:0] or "0"],
    "integer": ["0", "36"],
    "date": ["2023-03-01", "01-03-2023"],
    "code": [],
}


def municipality_with_rows():
    """Amsterdam (GM0363) with the school and the grant the valid rows of ``SPECS`` name."""
    municipality = f.MunicipalityFactory(code="GM0363", slug="amsterdam", name="Amsterdam")
    f.SchoolFactory(municipality=municipality, code="16SW03")
    f.GrantFactory(municipality=municipality, reference="GOAB-1")
    return municipality


def counts():
    with scopes_disabled():
        return {model.__name__: model._base_manager.count() for model in COUNTED}


def csv_bytes(rows, delimiter=";"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


def run_bounded(spec, m, data, filename="hostile.csv"):
    """Run the importer on ``data``; return the result and the counts before and after."""
    before = counts()
    started = time.monotonic()
    tracemalloc.start()
    try:
        with scopes_disabled():
            result = spec.make(m).run(io.BytesIO(data), filename=filename)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.monotonic() - started
    assert elapsed < SECONDS, f"took {elapsed:.1f} s"
    assert peak < PEAK_BYTES, f"peak memory {peak / 1e6:.0f} MB"
    return result, before, counts()


def xlsx_bytes(rows, tweak=None):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    if tweak:
        tweak(workbook.active)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bytes(members, compression=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@functools.cache
def zip_bomb():
    return zip_bytes({"xl/worksheets/sheet1.xml": b"<" * (60 * 1024 * 1024)})


@functools.cache
def zip_of_many_members():
    return zip_bytes({f"m{i}": b"a" * 10 for i in range(10_001)}, zipfile.ZIP_STORED)


@functools.cache
def file_cases(name):
    """Whole files that are broken or hostile: (id, bytes, filename, message fragment)."""
    spec = SPECS[name]
    header, row = list(spec.row), list(spec.row.values())
    good = csv_bytes([header, row])
    return [
        ("empty", b"", "x.csv", "leeg"),
        ("only-spaces", b"   \n  \n", "x.csv", "leeg"),
        ("header-only", csv_bytes([header]), "x.csv", "geen gegevensregels"),
        ("missing-columns", b"foo;bar\n1;2\n", "x.csv", "ontbrekende kolommen"),
        ("duplicate-header", csv_bytes([[*header, header[0]], [*row, row[0]]]), "x.csv", "dubbele"),
        (
            "wide-header",
            (";".join(f"c{i}" for i in range(40_000)) + "\n1\n").encode(),
            "x.csv",
            "kolommen",
        ),
        ("nul-after-8k", good + b";" * 9000 + b"\n\x00\n", "x.csv", "regel 4: "),
        ("nul-at-start", b"\x00\x00" + good, "x.csv", "regel 1: "),
        ("pdf", b"%PDF-1.4\n1 0 obj\n", "x.csv", "geen CSV"),
        ("png", b"\x89PNG\r\n\x1a\n....", "x.csv", "geen CSV"),
        ("gzip", b"\x1f\x8b\x08\x00" + b"\x00" * 20, "x.csv", "geen CSV"),
        ("old-xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "x.xls", ".xls"),
        ("csv-named-xlsx", good, "x.xlsx", "geen geldig Excel"),
        (
            "html-named-xlsx",
            b"<html><script>alert(1)</script></html>",
            "x.xlsx",
            "geen geldig Excel",
        ),
        ("zip-garbage", b"PK\x03\x04garbage", "x.xlsx", "kan niet worden gelezen"),
        (
            "zip-without-workbook",
            zip_bytes({"a.txt": "hallo"}),
            "x.xlsx",
            "kan niet worden gelezen",
        ),
        (
            "zip-bomb",
            zip_bomb(),
            "x.xlsx",
            "zip-bom",
        ),
        (
            "zip-huge-members",
            zip_of_many_members(),
            "x.xlsx",
            "te veel onderdelen",
        ),
        ("xlsx-truncated", xlsx_bytes([header, row])[:400], "x.xlsx", "kan niet worden gelezen"),
        ("unterminated-quote", good + b'"' + b"x" * 200_000 + b"\n", "x.csv", None),
        ("huge-cell", good + b"y" * 20_000 + b"\n", "x.csv", "regel 3"),
        ("undecodable-cp1252", good + b"\x81\x8d\x8f\x90\x9d\n", "x.csv", "tekenset"),
        ("utf8-bom-then-cp1252", b"\xef\xbb\xbf" + good + "Café\n".encode("cp1252"), "x.csv", None),
        ("xlsx-formula", xlsx_bytes([header, ["=1+1", *row[1:]]]), "x.xlsx", "formules"),
        ("xlsx-date-1900", xlsx_bytes([header, row], lambda s: None), "x.xlsx", None),
    ]


FILE_CASE_IDS = [case[0] for case in file_cases("grants")]
