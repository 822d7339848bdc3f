"""Values several dashboard panels need are read once per request (issue 14: the school year of
the scan round was read by the schools and the funding panel), never shared between requests;
the funding panel's count of schools without a scan comes with its first ten rows."""

import datetime as dt
from decimal import Decimal

from django.test import RequestFactory
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from funding.models import FundingStream
from funding.periods import prorated_amount
from funding.selectors import monthly_spending, spending_per_month, stream_figures
from portal.dashboard import request_memo
from portal.models import Role

from . import factories as f


def test_memo_computes_once_per_request_and_key_only():
    calls = []

    def compute(value):
        calls.append(value)
        return value

    first, second = RequestFactory().get("/"), RequestFactory().get("/")
    assert request_memo(first, ("k", 1), lambda: compute("a")) == "a"
    assert request_memo(first, ("k", 1), lambda: compute("b")) == "a"  # memoised
    assert request_memo(first, ("k", 2), lambda: compute("c")) == "c"  # another key
    assert request_memo(second, ("k", 1), lambda: compute("d")) == "d"  # another request
    assert calls == ["a", "c", "d"]


def test_missing_scans_panel_counts_all_schools_and_lists_ten(client, world):
    for n in range(12):
        f.SchoolFactory(municipality=world.municipality, name=f"Extra school {n:02d}")
    client.force_login(world.users[Role.POLICY_OFFICER])
    response = client.get(
        reverse("portal:dashboard", kwargs={"municipality": world.municipality.slug})
    )
    panel = next(
        p for p in response.context["panels"] if p.template == "funding/panels/scans_missing.html"
    )
    # the world's two schools and twelve more, none with a scan
    assert panel.context["count"] == 14 and len(panel.context["schools"]) == 10
    page = response.content.decode()
    assert "14 scholen" in page[page.index("Scans nog niet ingediend") :]


def test_stream_figures_count_carry_over_once_from_one_read_of_the_grants(
    world, django_assert_num_queries
):
    """Carry-over from another grant of the same municipality is already granted money; from
    elsewhere (or without a source) it adds to the stream. The grants are read once."""
    m = world.municipality
    with scopes_disabled():
        goab = FundingStream.objects.get(code="GOAB")
        npo = FundingStream.objects.get(code="NPO-GEM")
        elsewhere = f.GrantFactory(municipality=world.other_municipality, stream=goab)
        own = f.GrantFactory(municipality=m, stream=goab, amount=Decimal("4000.00"))
        f.GrantFactory(
            municipality=m,
            stream=goab,
            amount=Decimal("1000.00"),
            carry_over=Decimal("300.00"),
            carried_from=own,  # already in "granted"
        )
        f.GrantFactory(
            municipality=m,
            stream=goab,
            amount=Decimal("500.00"),
            carry_over=Decimal("70.00"),
            carried_from=elsewhere,
        )
        f.GrantFactory(
            municipality=m,
            stream=npo,
            amount=Decimal("800.00"),
            carry_over=Decimal("9.00"),  # no source named
            window_start=dt.date(2024, 1, 1),
            window_end=dt.date(2024, 12, 31),
        )
    with scope(municipality=m), django_assert_num_queries(3):
        rows = stream_figures(municipality=m, year=2024)
    by_code = {r["stream"].code: r for r in rows}
    assert list(by_code) == sorted(by_code)
    assert by_code["GOAB"]["granted"] == Decimal("5570.00")
    assert by_code["NPO-GEM"]["granted"] == Decimal("809.00")
    assert by_code["NPO-GEM"]["budget_year"] == Decimal("800.00")
    # three GOAB grants of 2023-2026: 2024 has 366 of their 1461 days
    assert by_code["GOAB"]["budget_year"] == sum(
        (
            prorated_amount(Decimal(a), dt.date(2023, 1, 1), dt.date(2026, 12, 31), 2024)
            for a in ("4000.00", "1000.00", "500.00")
        ),
        Decimal("0.00"),
    )


def test_stream_figures_and_the_curve_from_one_read_of_the_lines(world, django_assert_num_queries):
    """The dashboard reads the lines per stream and month once; the spent figures, the year's
    spending and the curve (up to today only) are what each reads by itself."""
    m = world.municipality
    today = dt.date(2024, 6, 15)
    with scopes_disabled():
        grant = f.GrantFactory(municipality=m)
        for day, amount in [
            (dt.date(2023, 12, 31), "10.05"),
            (dt.date(2024, 1, 1), "20.00"),
            (dt.date(2024, 6, 15), "1.10"),
            (dt.date(2024, 6, 16), "7.00"),  # after today: spent, not on the curve
            (dt.date(2025, 2, 1), "3.00"),
        ]:
            f.ExpenditureFactory(grant=grant, date=day, amount=Decimal(amount))
    with scope(municipality=m):
        with django_assert_num_queries(1):
            monthly = monthly_spending(municipality=m, today=today)
        with django_assert_num_queries(2):  # grants, committed: no read of the lines
            shared = stream_figures(municipality=m, year=2024, monthly=monthly)
        assert shared == stream_figures(municipality=m, year=2024)
        with django_assert_num_queries(0):
            curve = spending_per_month(municipality=m, months=8, today=today, monthly=monthly)
        assert curve == spending_per_month(municipality=m, months=8, today=today)
    (goab,) = shared
    assert goab["spent"] == Decimal("41.15") and goab["spent_year"] == Decimal("28.10")
    labels, values = curve
    assert labels[0] == "11-2023" and labels[-1] == "06-2024"
    assert dict(zip(labels, values, strict=True))["06-2024"] == Decimal("1.10")
    assert sum(values) == Decimal("31.15")
