"""CSV exports stream (issue 14 §4): rows are read as the body is sent, in chunks, under the
tenant scope of the request that made the response."""

from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from django_scopes import scope, scopes_disabled

from funding.models import Grant
from portal.exports import csv_response, export_response, iter_csv, write_csv

from . import factories as f


def test_iter_csv_reads_rows_lazily_in_chunks_and_matches_write_csv():
    consumed = []

    def rows():
        for i in range(1200):
            consumed.append(i)
            yield [i, Decimal("1.50"), "=SOM(A1)"]

    chunks = iter_csv(rows(), ["nr", "bedrag", "tekst"], chunk_rows=500)
    header = next(chunks)
    assert header == "\ufeffnr;bedrag;tekst\r\n".encode() and consumed == []
    first = next(chunks)
    assert len(consumed) == 500 and first.startswith(b"0;1,50;'=SOM(A1)\r\n")
    rest = b"".join(chunks)
    assert len(consumed) == 1200
    assert header + first + rest == write_csv(
        ([i, Decimal("1.50"), "=SOM(A1)"] for i in range(1200)), ["nr", "bedrag", "tekst"]
    )


@pytest.mark.django_db
def test_csv_response_streams_under_the_scope_of_the_request():
    m = f.MunicipalityFactory()
    with scopes_disabled():
        f.GrantFactory(municipality=m, reference="G-1")

    def rows():
        # A scoped query made while the body is sent, after the view's scope has ended.
        for reference in Grant.objects.filter(municipality=m).values_list("reference", flat=True):
            yield [reference]

    with scope(municipality=m):
        response = csv_response(rows(), ["kenmerk"], "beschikkingen")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"] == 'attachment; filename="beschikkingen.csv"'
    assert response.getvalue().decode("utf-8-sig") == "kenmerk\r\nG-1\r\n"
    assert isinstance(export_response([], ["a"], "x", "csv"), StreamingHttpResponse)


def test_amounts_in_a_csv_export_keep_their_cents_whatever_the_database_returned():
    """SQLite's SUM drops the scale (4000, 87250.5): the export still writes euro to the cent,
    and a value with more decimals (a share of 12,345 %) is written as it is."""
    text = write_csv(
        [[Decimal("4000"), Decimal("87250.5"), Decimal("300000.00"), Decimal("12.345")]],
        ["a", "b", "c", "d"],
    ).decode("utf-8-sig")
    assert text.splitlines()[1] == "4000,00;87250,50;300000,00;12,345"
