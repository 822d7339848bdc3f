"""Keyset pagination of the findings list (issue 14 §1): its order is rule, amount (descending,
a finding without an amount last) and id; portal.pagination orders NULLs the same way on
SQLite and PostgreSQL, so paging forward and back visits every finding once."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from funding.models import Finding
from portal.models import Role
from portal.pagination import keyset_page

from . import factories as f

AMOUNTS = [None, Decimal("10.00"), Decimal("250.00"), None, Decimal("10.00"), Decimal("5.00")]


def make_findings(world, n, start=0):
    for i in range(start, start + n):
        f.FindingFactory(
            municipality=world.municipality,
            rule=["F1", "F7", "P1"][i % 3],
            amount=AMOUNTS[i % len(AMOUNTS)],
            key=f"k{i}",
        )


def expected(world):
    with scopes_disabled():
        rows = list(Finding.objects.filter(municipality=world.municipality))
    return [
        r.pk
        for r in sorted(
            rows,
            key=lambda r: (r.rule, r.amount is None, -(r.amount or 0), r.pk),
        )
    ]


def test_pages_of_a_nullable_sort_column_visit_every_row_once(world):
    make_findings(world, 20)
    with scopes_disabled():
        qs = Finding.objects.filter(municipality=world.municipality).order_by(
            "rule", "-amount", "id"
        )
        forward, params = [], QueryDict()
        while True:
            page = keyset_page(qs, params, 3)
            forward += [r.pk for r in page]
            if not page.next_query:
                break
            params = QueryDict(page.next_query)
        backward, params = [], QueryDict("last=1")
        while True:
            page = keyset_page(qs, params, 3)
            backward = [r.pk for r in page] + backward
            if not page.previous_query:
                break
            params = QueryDict(page.previous_query)
    assert forward == expected(world) == backward


def _get(client, target):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(target)
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize("per_rule_filter", ["", "rule=F7&"])
def test_findings_list_pages_by_keyset_with_a_pinned_query_count(client, world, per_rule_filter):
    client.force_login(world.users[Role.POLICY_OFFICER])
    base = reverse("funding:finding_list", kwargs={"municipality": world.municipality.slug})
    make_findings(world, 6)
    small, _response = _get(client, f"{base}?{per_rule_filter}")
    make_findings(world, 150, start=6)
    large, response = _get(client, f"{base}?{per_rule_filter}")
    assert small == large
    seen = []
    while True:
        seen += [f.pk for f in response.context["findings"]]
        assert len(response.context["findings"]) <= 50
        nxt = re.search(r'href="\?([^"]*)" rel="next"', response.content.decode())
        if not nxt:
            break
        queries, response = _get(client, f"{base}?{unescape(nxt.group(1))}")
        assert queries == large  # a later page costs what the first costs
    wanted = expected(world)
    if per_rule_filter:
        with scopes_disabled():
            f7 = set(Finding.objects.filter(rule="F7").values_list("pk", flat=True))
        wanted = [pk for pk in wanted if pk in f7]
    assert seen == wanted
    assert "page=" not in response.content.decode()
