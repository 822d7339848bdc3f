"""Pickers (issue 14 §1): the expenditure and grant forms take a typed code or reference,
resolved within the current municipality, with suggestions from a tenant-checked JSON lookup;
the form page no longer lists every grant, activity and school."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from funding.models import Expenditure
from portal.models import Role

from . import factories as f

P, A, D = Role.POLICY_OFFICER, Role.ACCOUNTANT, Role.SCHOOL_DIRECTOR


def url(municipality, name, **kwargs):
    return reverse(f"funding:{name}", kwargs={"municipality": municipality.slug, **kwargs})


def values(response):
    assert response.status_code == 200, response.status_code
    return [row["value"] for row in response.json()["results"]]


@pytest.fixture
def rows(world):
    own_grant = f.GrantFactory(municipality=world.municipality, reference="GOAB-2023-01")
    foreign_grant = f.GrantFactory(municipality=world.other_municipality, reference="GOAB-2023-02")
    own = f.ActivityFactory(municipality=world.municipality, code="LEZEN-1", name="Leesplezier")
    foreign = f.ActivityFactory(
        municipality=world.other_municipality, code="LEZEN-2", name="Leesplezier elders"
    )
    return own_grant, foreign_grant, own, foreign


def test_lookups_return_only_rows_of_the_own_municipality(client, world, rows):
    client.force_login(world.users[P])
    m = world.municipality
    assert values(client.get(url(m, "lookup_activities"), {"q": "lezen"})) == ["LEZEN-1"]
    assert values(client.get(url(m, "lookup_activities"), {"q": "plezier"})) == ["LEZEN-1"]
    assert values(client.get(url(m, "lookup_grants"), {"q": "GOAB-2023"})) == ["GOAB-2023-01"]
    assert values(client.get(url(m, "lookup_schools"), {"q": "9"})) == ["91KA00", "92LB00"]
    assert values(client.get(url(m, "lookup_schools"), {"q": "klimop"})) == []
    labels = client.get(url(m, "lookup_activities")).json()["results"]
    assert labels == [{"value": "LEZEN-1", "label": "LEZEN-1 – Leesplezier"}]


def test_lookup_of_another_municipality_is_a_404(client, world, rows):
    client.force_login(world.users[P])
    for name in ("lookup_activities", "lookup_grants", "lookup_schools"):
        assert client.get(url(world.other_municipality, name), {"q": "L"}).status_code == 404


def test_lookup_keeps_the_role_check(client, world, rows):
    client.force_login(world.users[D])  # a director reads schools, not grants
    assert client.get(url(world.municipality, "lookup_grants")).status_code == 404
    assert values(client.get(url(world.municipality, "lookup_schools"))) == ["91KA00"]


def expenditure_post(**changes):
    data = {
        "booking_id": "B-NEW",
        "grant": "GOAB-2023-01",
        "date": "2023-03-01",
        "amount": "1.234,56",
        "supplier": "Uitgeverij",
        "invoice_number": "F-1",
        "description": "",
        "activity": " LEZEN-1 ",
        "school": "91ka00",
        "cost_category": "overig",
        "depreciation_months": "",
    }
    data.update(changes)
    return data


def test_expenditure_form_accepts_typed_codes(client, world, rows):
    client.force_login(world.users[P])
    response = client.post(url(world.municipality, "expenditure_create"), expenditure_post())
    assert response.status_code == 302, response.content.decode()[:2000]
    with scopes_disabled():
        line = Expenditure.objects.get(booking_id="B-NEW")
    assert (line.grant, line.activity, line.school) == (rows[0], rows[2], world.school)
    # the edit page shows the codes back, not ids
    page = client.get(url(world.municipality, "expenditure_update", expenditure_id=line.pk))
    html = page.content.decode()
    assert 'value="GOAB-2023-01"' in html and 'value="LEZEN-1"' in html
    assert 'value="91KA00"' in html


@pytest.mark.parametrize(
    "field, value",
    [("grant", "GOAB-2023-02"), ("activity", "LEZEN-2"), ("school", "95PE00"), ("grant", "X")],
)
def test_a_code_of_another_municipality_is_refused_in_dutch(client, world, rows, field, value):
    client.force_login(world.users[P])
    response = client.post(
        url(world.municipality, "expenditure_create"), expenditure_post(**{field: value})
    )
    assert response.status_code == 400
    assert f"&quot;{value}&quot; is niet gevonden in deze gemeente" in response.content.decode()
    with scopes_disabled():
        assert not Expenditure.objects.filter(booking_id="B-NEW").exists()


def test_grant_form_takes_the_carried_from_reference(client, world, rows):
    client.force_login(world.users[P])
    data = {
        "stream": rows[0].stream_id,
        "reference": "GOAB-2024-01",
        "window_start": "2024-01-01",
        "window_end": "2026-12-31",
        "amount": "100000,00",
        "carry_over": "0",
        "carried_from": "GOAB-2023-01",
        "notes": "",
    }
    assert client.post(url(world.municipality, "grant_create"), data).status_code == 302
    with scopes_disabled():
        assert rows[0].carried_into.get().reference == "GOAB-2024-01"
    data.update(reference="GOAB-2024-02", carried_from="GOAB-2023-02")
    assert client.post(url(world.municipality, "grant_create"), data).status_code == 400


def _page(client, world, name):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(world.municipality, name))
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.parametrize("name", ["expenditure_create", "grant_create"])
def test_form_page_does_not_grow_with_the_number_of_rows(client, world, name):
    client.force_login(world.users[P])
    f.GrantFactory(municipality=world.municipality)
    f.ActivityFactory(municipality=world.municipality)
    small, small_html = _page(client, world, name)
    for i in range(40):
        f.GrantFactory(municipality=world.municipality, reference=f"REF-{i}")
        f.ActivityFactory(municipality=world.municipality, code=f"C-{i}", name=f"Veel {i}")
    large, large_html = _page(client, world, name)
    assert small == large
    assert "REF-1" not in large_html and "Veel 1" not in large_html
    assert abs(len(large_html) - len(small_html)) < 200  # csrf token length varies
    assert 'list="id_' in large_html and "data-lookup-url=" in large_html


def activity_post(schools):
    return {
        "code": "NIEUW-1",
        "name": "Nieuw",
        "themes": ["taal"],
        "start": "2023-08-01",
        "end": "2024-07-31",
        "funding": "GOAB:1000",
        "schools": schools,
        "planned_cost": "",
        "menukaart": "",
        "partner": "",
        "description": "",
    }


def test_activity_form_takes_typed_school_codes(client, world):
    from funding.models import Activity

    client.force_login(world.users[P])
    target = url(world.municipality, "activity_create")
    response = client.post(target, activity_post("92lb00; 91KA00 92LB00"))
    assert response.status_code == 302, response.content.decode()[:2000]
    with scopes_disabled():
        activity = Activity.objects.get(code="NIEUW-1")
        assert set(activity.schools.all()) == {world.school, world.other_school}
    page = client.get(url(world.municipality, "activity_update", activity_id=activity.pk))
    assert 'value="92LB00, 91KA00"' in page.content.decode()  # by school name
    refused = client.post(target, activity_post("91KA00, 95PE00, XX"))
    assert refused.status_code == 400
    assert (
        "Niet gevonden in deze gemeente: &quot;95PE00&quot;, &quot;XX&quot;."
        in refused.content.decode()
    )


def test_activity_form_page_does_not_grow_with_the_number_of_schools(client, world):
    client.force_login(world.users[P])
    small, small_html = _page(client, world, "activity_create")
    for i in range(40):
        f.SchoolFactory(municipality=world.municipality, name=f"Veel {i}")
    large, large_html = _page(client, world, "activity_create")
    assert small == large
    assert "Veel 1" not in large_html and "OBS De Vlonder" not in large_html
    assert 'data-lookup-multiple="1"' in large_html
