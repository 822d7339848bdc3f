"""Incremental checks (issue 14 §2): a run re-derives only the rules the recorded writes can
change, and gives exactly the findings a full run (``check_overlaps --full``) gives, on the
planted sample set and on a generated set."""

import dataclasses
import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from funding.models import Activity, CheckChange, Expenditure, Finding, Grant
from funding.scale import seed_national
from funding.services.activities import ActivityFields, activity_update
from funding.services.checks import checks_run
from funding.services.expenditures import (
    ExpenditureFields,
    expenditure_create,
    expenditure_update,
)
from funding.services.grants import GrantFields, grant_update
from portal.models import Municipality

from . import factories as f
from .test_funding_sample_files import import_samples, load_sample_needs, load_sample_world


def findings():
    """Every stored finding with everything a run writes (and the review status it keeps)."""
    with scopes_disabled():
        return sorted(
            Finding.objects.values_list(
                "municipality__code",
                "rule",
                "key",
                "severity",
                "fingerprint",
                "school__code",
                "theme",
                "amount",
                "message",
                "status",
                "active",
            )
        )


def stream_links():
    with scopes_disabled():
        return sorted(
            Finding.streams.through.objects.values_list("finding__key", "fundingstream__code")
        )


def check(*args):
    call_command("check_overlaps", *args, output="/dev/null")
    return findings(), stream_links()


def edit(obj, **changes):
    """Change ``obj`` through its service, as the edit form does (all fields, the version)."""
    service, kind = {
        Expenditure: (expenditure_update, ExpenditureFields),
        Grant: (grant_update, GrantFields),
        Activity: (activity_update, ActivityFields),
    }[type(obj)]
    fields = dataclasses.replace(kind.of(obj), **changes)
    keyword = type(obj).__name__.lower()
    return service(**{keyword: obj}, actor=ACTOR[0], fields=fields, version=obj.version)


ACTOR = []


@pytest.fixture(autouse=True)
def actor(db):
    ACTOR[:] = [f.UserFactory()]
    return ACTOR[0]


def duplicate(line, booking_id):
    """A second booking of ``line``'s invoice (an F1 pair), entered through the service."""
    fields = ExpenditureFields(
        booking_id=booking_id,
        grant=line.grant,
        date=line.date,
        amount=line.amount,
        supplier=line.supplier,
        invoice_number=line.invoice_number,
        description="dubbel",
    )
    return expenditure_create(municipality=line.municipality, actor=ACTOR[0], fields=fields)


@pytest.mark.django_db
def test_incremental_run_equals_full_run_on_the_planted_set():
    municipalities = load_sample_world()
    load_sample_needs(municipalities)
    import_samples()
    before = check("--full")
    assert before[0], "the planted set has findings"
    with scopes_disabled():
        m = Municipality.objects.get(code="GM1952")
        # Nothing written since: the run re-derives no rule.
        assert checks_run(municipality=m).mode == "unchanged"
        line = Expenditure.objects.filter(municipality=m).exclude(invoice_key="").first()
        duplicate(line, "2099-000001")
        other = Expenditure.objects.filter(municipality=m).exclude(pk=line.pk).last()
        edit(other, amount=other.amount + Decimal("1.00"))
        grant = Grant.objects.filter(municipality=m, window_end__isnull=False).first()
        edit(grant, window_end=grant.window_end - timedelta(days=400))
        activity = Activity.objects.filter(municipality=m, owner_school=None).first()
        edit(activity, end=activity.end + timedelta(days=800))
        assert set(CheckChange.objects.values_list("action", flat=True)) == {
            "expenditure.create",
            "expenditure.update",
            "grant.update",
            "activity.update",
        }
    incremental = check()
    with scopes_disabled():
        assert not CheckChange.objects.exists(), "the run consumed the changes it read"
    full = check("--full")
    assert incremental == full
    assert incremental != before, "the writes changed the findings"


@pytest.mark.django_db
def test_only_the_rules_a_write_can_change_are_re_derived(django_assert_max_num_queries):
    municipalities = load_sample_world()
    load_sample_needs(municipalities)
    import_samples()
    with scopes_disabled():
        m = Municipality.objects.get(code="GM1952")
        checks_run(municipality=m)  # never checked: a full run
        # Nothing changed: a read of the change table, the state and the count, no rule.
        with django_assert_max_num_queries(8):
            result = checks_run(municipality=m)
        assert (result.mode, result.rules) == ("unchanged", [])
        line = Expenditure.objects.filter(municipality=m).first()
        edit(line, description="x")
        result = checks_run(municipality=m)
        assert (result.mode, result.rules) == (
            "incremental",
            ["F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8"],
        )
        activity = Activity.objects.filter(municipality=m, owner_school=None).first()
        edit(activity, name="nieuw")
        assert checks_run(municipality=m).rules == ["P1", "G1"]
        assert checks_run(municipality=m, full=True).mode == "full"


@pytest.mark.django_db
def test_incremental_run_equals_full_run_on_a_generated_set():
    sizes = {
        "lines": 2000,
        "schools_total": 120,
        "activities_total": 200,
        "municipalities_total": 6,
    }
    rng = random.Random(3)
    with scopes_disabled():
        seed_national(seed=5, log=lambda *_: None, **sizes)
    check("--full")
    with scopes_disabled():
        lines = list(Expenditure.objects.select_related("grant", "municipality").order_by("pk"))
        for i, line in enumerate(rng.sample(lines, 15)):
            if i % 3 == 0:
                duplicate(line, f"DUP-{i:04d}")
            else:
                edit(line, date=line.date + timedelta(days=rng.choice([-900, 400, 900])))
        activities = list(Activity.objects.filter(owner_school=None).order_by("pk"))
        for activity in rng.sample(activities, 8):
            end = activity.end + timedelta(days=rng.choice([-300, 500]))
            edit(activity, end=max(end, activity.start))
    before_incremental = findings()
    incremental = check()
    full = check("--full")
    assert incremental == full
    assert incremental[0] != before_incremental


@pytest.mark.django_db
def test_a_stream_edited_in_the_admin_re_derives_every_rule_everywhere():
    municipalities = load_sample_world()
    import_samples()
    before = check("--full")
    with scopes_disabled():
        stream = Grant.objects.get(reference="SPUK-NPO-2021").stream
        stream.eligible_sectors = ["VO"]  # F4: the NPO lines of primary schools now fail
        stream.save()
        assert CheckChange.objects.count() == len(municipalities)  # one per municipality
    incremental = check()
    assert incremental == check("--full")
    assert incremental != before
