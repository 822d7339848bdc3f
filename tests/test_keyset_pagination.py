"""Keyset pagination (issue 14 §1): pages are found through the list's order and a cursor,
never OFFSET; walking forwards and backwards visits every row once, in order."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404, QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from funding.models import Expenditure
from portal.models import Role
from portal.pagination import keyset_page

from . import factories as f


@pytest.fixture
def lines(db):
    grant = f.GrantFactory()
    with scopes_disabled():
        for i in range(23):
            f.ExpenditureFactory(
                grant=grant,
                booking_id=f"B-{i:03d}",
                date=dt.date(2023, 1, 1) + dt.timedelta(days=i % 4),  # ties: the pk breaks them
                amount=Decimal(100 + (i * 7) % 5),
                supplier=f"S{i % 3}",
            )
    return grant.municipality


def walk(qs, per_page, params=""):
    """Every page forwards by ``after``, then backwards from the last page by ``before``."""
    forward, query = [], params
    while True:
        page = keyset_page(qs, QueryDict(query), per_page)
        forward.append([e.booking_id for e in page])
        if not page.has_next():
            break
        query = page.next_query
    backward, query = [], (params + "&" if params else "") + "last=1"
    while True:
        page = keyset_page(qs, QueryDict(query), per_page)
        backward.insert(0, [e.booking_id for e in page])
        if not page.has_previous():
            break
        query = page.previous_query
    return forward, backward


@pytest.mark.parametrize(
    "order",
    [("-date", "booking_id"), ("amount",), ("-amount",), ("supplier", "-date"), ("date",)],
)
def test_walking_the_pages_visits_every_row_once_in_order(lines, order):
    with scopes_disabled():
        qs = Expenditure.objects.filter(municipality=lines).order_by(*order)
        expected = [e.booking_id for e in qs.order_by(*order, "id")]
        forward, backward = walk(qs, 5)
    assert [b for page in forward for b in page] == expected
    assert [len(p) for p in forward] == [5, 5, 5, 5, 3]
    # From the last page backwards the pages end where the rows end.
    assert [b for page in backward for b in page] == expected
    assert [len(p) for p in backward] == [3, 5, 5, 5, 5]


def test_pages_keep_the_other_parameters_and_use_no_offset(lines):
    with scopes_disabled():
        qs = Expenditure.objects.filter(municipality=lines).order_by("-date", "booking_id")
        first = keyset_page(qs, QueryDict("sort=-date&stream=3"), 10)
        assert not first.has_previous() and first.first_query is None
        assert "stream=3" in first.next_query and "sort=-date" in first.next_query
        with CaptureQueriesContext(connection) as ctx:
            last = keyset_page(qs, QueryDict(first.last_query), 10)
        assert len(ctx.captured_queries) == 1
        assert "OFFSET" not in ctx.captured_queries[0]["sql"].upper()
        assert len(last) == 10 and not last.has_next() and last.previous_query
        assert [e.pk for e in last] == [e.pk for e in qs.order_by("-date", "booking_id", "id")][
            -10:
        ]
        with pytest.raises(Http404):
            keyset_page(qs, QueryDict("after=bm90IGpzb24"), 10)
        with pytest.raises(Http404):
            keyset_page(qs, QueryDict("after=WzFd"), 10)  # [1]: too few values


def test_the_expenditure_list_pages_by_keyset(client, lines, monkeypatch):
    from funding.views import ExpenditureListView

    monkeypatch.setattr(ExpenditureListView, "paginate_by", 10)
    user = f.UserFactory()
    f.MembershipFactory(user=user, municipality=lines, role=Role.POLICY_OFFICER)
    client.force_login(user)
    url = reverse("funding:expenditure_list", kwargs={"municipality": lines.slug})
    page = client.get(url + "?sort=booking_id")
    assert page.status_code == 200
    body = page.content.decode()
    assert "B-000" in body and "B-022" not in body and "23 regels" in body
    last = client.get(url + "?sort=booking_id&last=1").content.decode()
    assert "B-022" in last and "B-000" not in last
    assert client.get(url + "?after=garbage").status_code == 404


@pytest.mark.parametrize("n", [12, 60])
def test_every_page_of_the_expenditure_list_has_the_same_query_count(
    client, db, django_assert_max_num_queries, n, monkeypatch
):
    from funding.views import ExpenditureListView

    monkeypatch.setattr(ExpenditureListView, "paginate_by", 5)
    grant = f.GrantFactory()
    with scopes_disabled():
        for i in range(n):
            f.ExpenditureFactory(grant=grant, booking_id=f"B-{i:03d}")
    user = f.UserFactory()
    f.MembershipFactory(user=user, municipality=grant.municipality, role=Role.POLICY_OFFICER)
    client.force_login(user)
    url = reverse("funding:expenditure_list", kwargs={"municipality": grant.municipality.slug})
    first = client.get(url)
    # session, user, municipality, memberships, count, page of lines (joins), stream choices
    for query in ("", "?last=1", "?" + first.context["page_obj"].next_query):
        with django_assert_max_num_queries(8):
            assert client.get(url + query).status_code == 200
