"""The demo story: every financial rule fires at least once, the seed is idempotent, and the
regional comparison shows two municipalities."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scopes_disabled

from funding.models import Expenditure, Finding, Grant
from funding.selectors import region_per_pupil
from portal.models import Municipality
from schools.models import School

CENT = Decimal("0.01")


@pytest.mark.django_db
def test_demo_fires_every_financial_rule_and_is_idempotent():
    call_command("seed_demo")
    with scopes_disabled():
        m = Municipality.objects.get(code="GM1952")
        fired = set(
            Finding.objects.filter(municipality=m, active=True).values_list("rule", flat=True)
        )
        assert {"F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "P1"} <= fired
        goab = Grant.objects.get(municipality=m, reference="GOAB-2023-2026")
        assert (
            str(goab.carry_over) == "1034000.00" and goab.carried_from.reference == "GOAB-2019-2022"
        )
        counts = (Grant.objects.count(), Expenditure.objects.count(), Finding.objects.count())
    call_command("seed_demo")
    with scopes_disabled():
        assert (
            Grant.objects.count(),
            Expenditure.objects.count(),
            Finding.objects.count(),
        ) == counts
        year = timezone.localdate().year
        rows = region_per_pupil(
            municipalities=list(Municipality.objects.order_by("name")), year=year
        )
        eemsdelta, midden = rows
        # Eemsdelta has 3 schools: below the small-number threshold, so no per-pupil figures
        assert eemsdelta["suppressed"] and eemsdelta["goab_per_pupil"] is None
        # Midden-Groningen: only GOAB-2023-2026 (EUR 4.650.000, 1461 days) counts in its
        # years, prorated by days; the carry-over is not counted again.
        pupils = sum(
            School.objects.filter(
                municipality=midden["municipality"], pupil_count__isnull=False
            ).values_list("pupil_count", flat=True)
        )
        days = (dt.date(year, 12, 31) - dt.date(year, 1, 1)).days + 1 if year <= 2026 else 0
        expected = (Decimal("4650000.00") * days / 1461).quantize(CENT, ROUND_HALF_UP)
        assert midden["pupils"] == pupils and midden["goab"] == expected
        if pupils:
            assert midden["goab_per_pupil"] == (expected / pupils).quantize(CENT, ROUND_HALF_UP)
