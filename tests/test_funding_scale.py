"""The national-scale generator: reproducible from its seed (checked on a reduced size)."""

import pytest
from django_scopes import scopes_disabled

from funding.models import Activity, Expenditure
from funding.scale import seed_national
from funding.services.checks import checks_run
from portal.models import Municipality


def snapshot():
    return (
        list(
            Expenditure.objects.order_by("municipality__code", "booking_id").values_list(
                "municipality__code",
                "booking_id",
                "grant__reference",
                "date",
                "amount",
                "supplier_key",
                "invoice_key",
            )
        ),
        list(
            Activity.objects.order_by("municipality__code", "code").values_list(
                "municipality__code", "code", "themes", "start"
            )
        ),
    )


@pytest.mark.django_db
def test_same_seed_same_data_and_the_checks_run_on_it():
    sizes = {
        "lines": 3000,
        "schools_total": 200,
        "activities_total": 300,
        "municipalities_total": 12,
    }
    with scopes_disabled():
        seed_national(seed=7, log=lambda *_: None, **sizes)
        first = snapshot()
        assert Expenditure.objects.count() == 3000 and Municipality.objects.count() == 12
        seed_national(seed=7, log=lambda *_: None, **sizes)  # replaces the previous set
        assert snapshot() == first
        seed_national(seed=8, log=lambda *_: None, **sizes)
        assert snapshot() != first
        result = checks_run(municipality=Municipality.objects.order_by("code").first())
        assert result.findings > 0
