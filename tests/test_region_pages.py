"""Region pages of a coordinator of many municipalities (issue 14 §1): the dashboard and the
regional action list page by 50, aggregate in grouped queries and cost the same number of
queries for a region of one municipality and of sixty; and they show the municipalities in
aggregate only (roles.md): no school, no municipal person."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from funding.dashboard import REGION_PAGE
from portal.models import Role

from . import factories as f

LARGE = 60  # more than one page of REGION_PAGE
# session, user, memberships and the tenant; the panels of funding (years, count, page, pupils,
# budgets) and meetings (counts, next meeting, urgent actions)
DASHBOARD_QUERIES = 15
# session, user, memberships, tenant; the meeting choices, count, page (no prefetch: the region's
# list shows neither schools nor activities)
ACTION_LIST_QUERIES = 8


def _dashboard(world):
    return reverse("portal:region_dashboard", kwargs={"region": world.region.slug})


def _actions(world):
    return reverse("meetings:region_action_list", kwargs={"region": world.region.slug})


def _grow_region(world, n):
    """``n`` more municipalities in the region, each with six schools and a GOAB grant."""
    with scopes_disabled():
        for i in range(n):
            m = f.MunicipalityFactory(name=f"Gemeente {i:03d}")
            world.region.municipalities.add(m)
            f.GrantFactory(municipality=m)
            for k in range(6):
                f.SchoolFactory(municipality=m, name=f"Geheime school {i}-{k}", pupil_count=100)


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx), response


@pytest.mark.django_db
def test_region_dashboard_pages_by_50_in_the_same_number_of_queries(client, world):
    client.force_login(world.users[Role.REGIONAL_COORDINATOR])
    client.get(_dashboard(world))  # session, caches
    small, response = _queries(client, _dashboard(world))
    assert "Midden-Groningen" in response.content.decode()
    _grow_region(world, LARGE)
    large, response = _queries(client, _dashboard(world))
    assert large == small == DASHBOARD_QUERIES
    page = response.content.decode()
    panel = next(p for p in response.context["panels"] if p.template.endswith("region.html"))
    assert len(panel.context["rows"]) == REGION_PAGE
    assert f"Gemeenten 1 tot en met {REGION_PAGE} van {LARGE + 1}." in page
    # the next page holds the rest, again in the same number of queries
    last, response = _queries(client, _dashboard(world) + "?page=2")
    assert last == small
    panel = next(p for p in response.context["panels"] if p.template.endswith("region.html"))
    assert len(panel.context["rows"]) == LARGE + 1 - REGION_PAGE
    # aggregate figures only: pupils per municipality, never a school
    assert "Geheime school" not in page and "Geheime school" not in response.content.decode()
    assert world.school.name not in page


def _regional_actions(world, n):
    with scopes_disabled():
        meeting = f.MeetingFactory(municipality=None, region=world.region, title="Kenniskring")
        for _i in range(n):
            action = f.ActionItemFactory(meeting=meeting)
            action.schools.add(world.school)  # a link the region pages must not show


@pytest.mark.django_db
def test_region_action_list_pages_in_the_same_number_of_queries(client, world):
    client.force_login(world.users[Role.REGIONAL_COORDINATOR])
    _regional_actions(world, 3)
    client.get(_actions(world))
    small, response = _queries(client, _actions(world))
    assert len(response.context["actions"]) == 3
    _regional_actions(world, LARGE)
    _grow_region(world, 5)
    large, response = _queries(client, _actions(world))
    assert large == small == ACTION_LIST_QUERIES
    assert len(response.context["actions"]) == 50
    assert response.context["paginator"].count == LARGE + 3
    page = response.content.decode()
    # no school picker (the region's schools) and no school of an action: aggregate only
    assert "school" not in response.context["filter"].form.fields
    for name in (world.school.name, world.other_school.name, "Geheime school"):
        assert name not in page
    # the next page by keyset, same queries
    following = response.context["page_obj"].next_query
    more, response = _queries(client, _actions(world) + "?" + following)
    assert more == small and len(response.context["actions"]) == 13


@pytest.mark.django_db
def test_municipal_action_list_keeps_its_school_filter(client, world):
    client.force_login(world.users[Role.POLICY_OFFICER])
    url = reverse("meetings:action_list", kwargs={"municipality": world.municipality.slug})
    response = client.get(url)
    assert "school" in response.context["filter"].form.fields
    assert world.school.name in response.content.decode()
