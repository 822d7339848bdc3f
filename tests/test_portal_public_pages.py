"""The footer's public pages, our own error pages in the base layout, the favicon and the
grouped navigation (issue 12 §2-§4)."""

import pytest
from django.test import override_settings
from django.urls import reverse

from portal.models import Role


@pytest.mark.parametrize("name", ["accessibility", "privacy", "contact"])
def test_public_pages_open_without_login_and_are_linked_from_the_footer(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<footer class="site-footer">' in html
    for linked in ("accessibility", "privacy", "contact"):
        assert f'href="{reverse(linked)}"' in html


def test_accessibility_statement_names_the_standard_status_and_how_to_report(client, db):
    html = client.get(reverse("accessibility")).content.decode()
    assert "(WCAG) 2.1" in html and "Nalevingsstatus" in html and reverse("contact") in html


def test_english_statement(client, db):
    client.cookies["django_language"] = "en"
    html = client.get(reverse("accessibility")).content.decode()
    assert "Accessibility statement" in html and "Toegankelijkheidsverklaring" not in html


@override_settings(DEBUG=False)
def test_unknown_page_is_our_404_in_the_layout_with_a_way_back(client, db):
    response = client.get("/deze-gemeente-bestaat-niet/iets/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Deze pagina bestaat niet" in html and 'href="/"' in html
    assert '<header class="site-header">' in html


@override_settings(DEBUG=False)
def test_coordinator_on_a_forbidden_page_gets_our_403(client, world):
    # an accountant sees the funding area but may not create a grant (roles.md)
    client.force_login(world.users[Role.ACCOUNTANT])
    response = client.get(
        reverse("funding:grant_create", kwargs={"municipality": "midden-groningen"})
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "U heeft geen toegang tot deze pagina" in html and "Foutcode 403" in html


@override_settings(DEBUG=False)
def test_server_error_page_renders_without_a_request_context(db):
    from django.test import RequestFactory
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500 and "Er ging iets mis" in html and "Foutcode 500" in html


def test_favicon(client, db):
    html = client.get(reverse("accessibility")).content.decode()
    assert 'rel="icon"' in html and "favicon.svg" in html
    assert client.get("/favicon.ico").status_code == 301


def test_navigation_is_grouped_for_the_policy_officer(client, world):
    client.force_login(world.users[Role.POLICY_OFFICER])
    html = client.get("/midden-groningen/").content.decode()
    labels = [
        label
        for label in ("Scholen", "Financiën", "Overleg", "Beheer")
        if f">{label}</span>" in html
    ]
    assert labels == ["Scholen", "Financiën", "Overleg", "Beheer"]
    assert "<summary>Menu</summary>" in html
