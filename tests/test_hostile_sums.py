"""Sums of amounts at the edge of their column (issue 13 §2): every line may hold up to
999.999.999.999,99, and many of them add up far beyond that. The checks and the funding pages
must still work: a sum is a Python Decimal or an unbounded PostgreSQL numeric, never squeezed
into a column of one line's size (``numeric field overflow`` on PostgreSQL) or an integer.

The test plants such lines and runs the checks, the dashboard and the lists; on SQLite
(``make test``) the stored amounts are checked against their column limits, on PostgreSQL (the
hostile suite in CI) the database refuses anything that does not fit.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from funding.models import Finding, FundingStream
from funding.services.checks import checks_run
from portal import limits
from portal.models import Role

from . import factories as f

pytestmark = pytest.mark.django_db

LARGEST = Decimal("999999999999.99")  # the largest amount of one line (numeric(14, 2))
LINES = 30


@pytest.fixture
def huge(world):
    """Grants, funding lines and expenditure lines at the largest amount: duplicates (F1),
    double funding (F2), an overspent grant (F5) and a carry-over of the largest amount."""
    m = world.municipality
    with scopes_disabled():
        stream = FundingStream.objects.get(code="NPO-GEM")
        grant = f.GrantFactory(municipality=m, stream=stream, reference="HUGE-1", amount=LARGEST)
        f.GrantFactory(
            municipality=m,
            stream=stream,
            reference="HUGE-2",
            amount=LARGEST,
            carried_from=grant,
            carry_over=LARGEST,
        )
        activity = f.ActivityFactory(municipality=m, code="HUGE", planned_cost=LARGEST)
        for code in ("GOAB", "NPO-GEM"):
            f.FundingLineFactory(
                activity=activity, stream=FundingStream.objects.get(code=code), amount=LARGEST
            )
        activity.schools.set([world.school])
        for n in range(LINES):
            f.ExpenditureFactory(
                grant=grant,
                activity=activity,
                school=world.school,
                booking_id=f"HUGE-{n}",
                date=datetime.date(2023, 3, 1),
                amount=LARGEST,
                supplier="Grootleverancier BV",
                invoice_number="F-HUGE",  # one invoice booked 30 times: F1
            )
    return world


def _fits(value, field):
    limits.check_decimal(value, field.max_digits, field.decimal_places)


def test_the_checks_run_over_sums_of_the_largest_amounts(huge):
    with scope(municipality=huge.municipality):
        result = checks_run(municipality=huge.municipality, full=True)
        findings = list(Finding.objects.filter(municipality=huge.municipality, active=True))
    assert result is not None
    rules = {finding.rule for finding in findings}
    assert {"F1", "F5"} <= rules, rules
    field = Finding._meta.get_field("amount")
    # F1 holds the duplicate money, F5 what is overspent: 29 times the largest line, exactly on
    # PostgreSQL. SQLite keeps decimals as 64-bit floats (Django reads them back with 15
    # digits), so there a sum of 16 digits may be a cent off.
    expected = LARGEST * (LINES - 1)
    cents = Decimal("0.01") if connection.vendor == "sqlite" else 0
    for rule in ("F1", "F5"):
        (amount,) = [x.amount for x in findings if x.rule == rule]
        assert abs(amount - expected) <= cents, (rule, amount)
    for finding in findings:
        if finding.amount is not None:
            _fits(finding.amount, field)


@pytest.mark.parametrize(
    "name",
    [
        "portal:dashboard",
        "funding:grant_list",
        "funding:expenditure_list",
        "funding:activity_list",
        "funding:finding_list",
    ],
)
def test_the_funding_pages_show_sums_of_the_largest_amounts(client, huge, name):
    with scope(municipality=huge.municipality):
        checks_run(municipality=huge.municipality, full=True)
    client.force_login(huge.users[Role.POLICY_OFFICER])
    response = client.get(reverse(name, kwargs={"municipality": huge.municipality.slug}))
    assert response.status_code == 200
    if name in ("portal:dashboard", "funding:grant_list"):
        # 30 lines of the largest amount, spent from one grant: shown to the cent, nl-NL.
        assert "29.999.999.999.999,70" in response.content.decode()


def test_the_region_dashboard_adds_up_the_largest_amounts(client, huge):
    client.force_login(huge.users[Role.REGIONAL_COORDINATOR])
    response = client.get(reverse("portal:region_dashboard", kwargs={"region": huge.region.slug}))
    assert response.status_code == 200


def test_the_spending_report_of_the_largest_amounts_is_built(huge):
    """The report stores the period's spending (a sum of lines) and lists every line."""
    from funding.reports.jobs import report_build, report_request

    with scope(municipality=huge.municipality):
        report, _created = report_request(
            municipality=huge.municipality,
            stream=FundingStream.objects.get(code="NPO-GEM"),
            year=2023,
            user=huge.users[Role.POLICY_OFFICER],
            enqueue=False,
        )
        report = report_build(report_id=report.pk, workers=1)
    assert report.status == "done", report.error
    cents = Decimal("0.01") if connection.vendor == "sqlite" else 0
    assert abs(report.spending - LARGEST * LINES) <= cents
