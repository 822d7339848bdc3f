"""The heat map (scan overview) and the gap view page by 50 schools (issue 14 §1): the HTML of
the largest municipality no longer holds every school, and the query count stays the same."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from funding.services.checks import checks_run
from portal.models import Role
from schools.models import current_school_year

from . import factories as f

YEAR = current_school_year()


def add_schools(world, n, start=0):
    for i in range(start, start + n):
        school = f.SchoolFactory(municipality=world.municipality, name=f"Basisschool {i:03d}")
        scan = f.ScanFactory(school=school, school_year=YEAR, submitted=True)
        f.NeedFactory(scan=scan, theme="taal", severity="severe")


def heat_map(response):
    """The HTML of the heat-map table only (the panels below list schools by theme)."""
    return response.content.decode().split('class="table heatmap"', 1)[1].split("</table>")[0]


def get(client, target, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(target, params)
    assert response.status_code == 200
    return len(captured), response


PAGES = [
    ("schools:scan_overview", {"school_year": YEAR}, lambda r: list(r.context["page_obj"])),
    ("funding:gap_view", {"schooljaar": YEAR}, lambda r: r.context["rows"]),
]


@pytest.mark.parametrize("name, params, rows", PAGES, ids=["heat_map", "gap_view"])
def test_paged_by_50_schools_with_a_pinned_query_count(client, world, name, params, rows):
    client.force_login(world.users[Role.POLICY_OFFICER])
    target = reverse(name, kwargs={"municipality": world.municipality.slug})
    add_schools(world, 3)
    small, response = get(client, target, **params)
    assert "Basisschool 002" in heat_map(response)
    add_schools(world, 60, start=3)
    large, response = get(client, target, **params)
    assert small == large, f"{small} queries with 3 schools, {large} with 63"
    html = heat_map(response)
    assert len(rows(response)) == 50
    assert "Basisschool 049" in html and "Basisschool 050" not in html
    assert "page=2" in response.content.decode()  # the link to the next page
    _n, second = get(client, target, **params, page=2)
    shown = heat_map(second)
    assert (
        "Basisschool 050" in shown and "Basisschool 062" in shown and "Basisschool 049" not in shown
    )


@pytest.mark.parametrize("name, params, rows", PAGES, ids=["heat_map", "gap_view"])
def test_lists_of_schools_per_theme_collapse_above_20(client, world, name, params, rows):
    client.force_login(world.users[Role.POLICY_OFFICER])
    target = reverse(name, kwargs={"municipality": world.municipality.slug})
    add_schools(world, 25)
    with scopes_disabled():
        checks_run(municipality=world.municipality)  # the gap view groups what G1 found
    html = get(client, target, **params)[1].content.decode()
    after = html.split("</table>")[-1]
    assert "Basisschool 019" in after and "Basisschool 020" not in after
    assert "en 5 andere scholen" in after
