"""Keyset pagination of the action list (issue 14 §1): the default order (due date; an action
without one counts as the earliest) and the sorts on the action's own columns page by cursor and visit
every action once; sorting by the meeting's date (another table) keeps numbered pages."""

import datetime
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from meetings.models import ActionItem
from portal.models import Role

from . import factories as f

pytestmark = pytest.mark.django_db

M = {"municipality": "midden-groningen"}
START = datetime.date(2026, 1, 1)


def make_actions(world, n):
    meeting = f.MeetingFactory(municipality=world.municipality)
    for i in range(n):
        f.ActionItemFactory(
            meeting=meeting,
            due_date=None if i % 7 == 0 else START + datetime.timedelta(days=i % 5),
            status=["open", "in_progress", "done"][i % 3],
        )


def _get(client, query):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("meetings:action_list", kwargs=M) + "?" + query)
    assert response.status_code == 200
    return len(captured), response


def walk(client, query):
    """The ids of every page reached by following "Volgende", and the query counts."""
    counts, seen = [], []
    while True:
        n, response = _get(client, query)
        counts.append(n)
        seen += [a.pk for a in response.context["actions"]]
        nxt = re.search(r'href="\?([^"]*)" rel="next"', response.content.decode())
        if not nxt:
            return seen, counts
        query = unescape(nxt.group(1))


def expected(key):
    with scopes_disabled():
        rows = list(ActionItem.objects.all())
    return [a.pk for a in sorted(rows, key=key)]


@pytest.mark.parametrize(
    "query, key",
    [
        ("", lambda a: (a.due_date is not None, a.due_date or START, a.pk)),
        (
            "ordering=-due_date",
            lambda a: (a.due_date is None, -(a.due_date or START).toordinal(), a.pk),
        ),
        ("ordering=status", lambda a: (a.status, a.pk)),
    ],
    ids=["default", "due_date_descending", "status"],
)
def test_action_list_pages_by_keyset_and_visits_every_action_once(world, client, query, key):
    make_actions(world, 120)
    client.force_login(world.users[Role.LEA_CHAIR])
    seen, counts = walk(client, query)
    assert seen == expected(key)
    assert len(counts) == 3 and len(set(counts)) == 1  # later pages cost what the first costs


def test_sorting_by_meeting_date_keeps_numbered_pages(world, client):
    make_actions(world, 60)
    client.force_login(world.users[Role.LEA_CHAIR])
    _n, response = _get(client, "ordering=meeting")
    assert "page=2" in response.content.decode()
    assert len(response.context["actions"]) == 50
