"""The dashboard's spending-per-month chart ends at the latest month with spending."""

import datetime
from decimal import Decimal

from django_scopes import scope

from funding import selectors

from . import factories as f


def test_spending_per_month_ends_at_latest_month_with_spending(world):
    grant = f.GrantFactory(municipality=world.municipality)
    f.ExpenditureFactory(grant=grant, date=datetime.date(2023, 3, 5), amount=Decimal("100.10"))
    f.ExpenditureFactory(grant=grant, date=datetime.date(2023, 3, 25), amount=Decimal("-0.10"))
    f.ExpenditureFactory(grant=grant, date=datetime.date(2024, 1, 9), amount=Decimal("50.00"))
    with scope(municipality=world.municipality):
        labels, values = selectors.spending_per_month(
            municipality=world.municipality, months=12, today=datetime.date(2026, 11, 22)
        )
    assert labels[0] == "02-2023" and labels[-1] == "01-2024" and len(labels) == 12
    assert values[labels.index("03-2023")] == Decimal("100.00")
    assert values[-1] == Decimal("50.00")
    assert sum(values) == Decimal("150.00")


def test_spending_per_month_without_lines_shows_the_months_up_to_today(world):
    with scope(municipality=world.municipality):
        labels, values = selectors.spending_per_month(
            municipality=world.municipality, months=3, today=datetime.date(2026, 11, 22)
        )
    assert labels == ["09-2026", "10-2026", "11-2026"] and values == [Decimal("0.00")] * 3
