"""The demo story: every financial rule fires at least once, the seed is idempotent, and the
regional comparison shows two municipalities."""

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from funding.models import Expenditure, Finding, Grant
from funding.selectors import region_per_pupil
from portal.models import Municipality


@pytest.mark.django_db
def test_demo_fires_every_financial_rule_and_is_idempotent():
    call_command("seed_demo")
    with scopes_disabled():
        m = Municipality.objects.get(code="GM1952")
        fired = set(
            Finding.objects.filter(municipality=m, active=True).values_list("rule", flat=True)
        )
        assert {"F1", "F2", "F3", "F4", "F5", "F6", "F7", "P1"} <= fired
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
        rows = region_per_pupil(municipalities=list(Municipality.objects.order_by("name")))
        eemsdelta, midden = rows
        assert (
            eemsdelta["npo_per_pupil"] > eemsdelta["goab_per_pupil"]
            and midden["goab_per_pupil"] > midden["npo_per_pupil"]
        )
