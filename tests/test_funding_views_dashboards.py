"""The funding dashboards: the policy officer's stream figures, the accountant's lines waiting
for sign-off and the region's comparison per pupil."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from funding.models import Finding, FundingStream

from . import factories as f
from .funding_pages import A, C, P, login, make_lines

# --- dashboards --------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [3, 30])
def test_policy_officer_dashboard_shows_stream_figures_with_fixed_queries(
    client, world, django_assert_num_queries, rows
):
    make_lines(world, rows)
    login(client, world, P)
    # session, user, municipality, memberships; funding: the grants with their streams (the
    # sums, the streams and this year's budgets from one read), the lines per stream and month
    # (spent and the curve from one read), committed (with subquery), grants ending, finding
    # counts, scans missing (the first
    # ten with the count of all); the school year of the scan round read once for both panels;
    # the schools panel's summary (3)
    with django_assert_num_queries(16):
        response = client.get(
            reverse("portal:dashboard", kwargs={"municipality": world.municipality.slug})
        )
    content = response.content.decode()
    assert (
        "Budget per stroom" in content
        and "<svg" in content
        and "<title" in content
        and "<desc" in content
    )
    assert "Bestedingen per maand" in content


def test_accountant_dashboard_shows_lines_waiting_for_sign_off(client, world):
    with scopes_disabled():
        Finding.objects.create(
            municipality=world.municipality,
            rule="F6",
            severity="warning",
            key="k",
            fingerprint="x",
            subjects=["booking:X"],
            message="m",
        )
    content = (
        login(client, world, A)
        .get(reverse("portal:dashboard", kwargs={"municipality": world.municipality.slug}))
        .content.decode()
    )
    assert "Wacht op aftekening" in content and "1 regel met afschrijving" in content


def test_region_dashboard_compares_npo_and_goab_per_pupil(client, world, settings):
    settings.PORTAL_SMALL_NUMBER_THRESHOLD = 1  # this test's municipalities have 1-2 schools
    second = world.other_municipality
    world.region.municipalities.add(second)
    one_year = {"window_start": dt.date(2024, 1, 1), "window_end": dt.date(2024, 12, 31)}
    npo = FundingStream.objects.get(code="NPO-GEM")
    f.GrantFactory(
        municipality=world.municipality, stream=npo, amount=Decimal("80000.00"), **one_year
    )
    f.GrantFactory(municipality=world.municipality, amount=Decimal("20000.00"), **one_year)  # GOAB
    f.GrantFactory(municipality=second, stream=npo, amount=Decimal("10000.00"), **one_year)
    f.GrantFactory(municipality=second, amount=Decimal("40000.00"), **one_year)
    login(client, world, C)
    content = client.get(
        reverse("portal:region_dashboard", kwargs={"region": world.region.slug}) + "?jaar=2024"
    ).content.decode()
    # one-year windows
    # Midden-Groningen: 2 schools x 200 pupils -> NPO 200 / GOAB 50 per pupil per year;
    # Eemsdelta: 1 school x 200 -> NPO 50 / GOAB 200
    assert "€\xa0200,00" in content and "€\xa050,00" in content
    assert "Midden-Groningen" in content and "Eemsdelta" in content
    assert "GRANT-" not in content  # aggregate figures only, no grant references
