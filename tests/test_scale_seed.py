"""``seed_demo --scale national`` makes the whole product (issue 14 §6): meetings, action
items, people with their memberships and the audit trail besides the money, each scaled by
``--fraction`` and reproducible from ``--seed`` (checked at 1/200 on the test database)."""

import importlib.util
from pathlib import Path

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from funding.scale import EMAIL_DOMAIN, REGION_PREFIX, scale_codes
from meetings.models import ActionItem, ActionReview, Meeting
from meetings.scale import ACTIONS, MEETINGS
from portal import scale
from portal.models import AuditEvent, Membership, Municipality, Region, Role, User
from schools.models import Directorship, School

FRACTION = 200


def generate(seed):
    with scopes_disabled():
        return scale.generate(seed=seed, fraction=FRACTION, log=lambda *_: None)


def _sorted(rows):
    """Rows in a total order (ties included), whatever the database's collation."""
    return sorted(rows, key=lambda r: tuple("" if v is None else str(v) for v in r))


def snapshot():
    """Everything but primary keys (a re-run may number rows differently)."""
    return (
        _sorted(
            Meeting.objects.values_list(
                "title", "starts_at", "status", "municipality__code", "region__slug"
            )
        ),
        _sorted(
            ActionItem.objects.values_list(
                "meeting__title",
                "description",
                "due_date",
                "status",
                "theme",
                "owner_user__email",
                "owner_name",
                "owner_organisation",
                "agenda_item__title",
                "closed_at",
            )
        ),
        _sorted(
            Membership.objects.values_list(
                "user__email", "role", "municipality__code", "region__slug"
            )
        ),
        _sorted(
            AuditEvent.objects.values_list(
                "created_at", "action", "object_type", "municipality__code", "actor__email"
            )
        ),
    )


@pytest.mark.django_db
def test_counts_per_kind_follow_the_fraction():
    ctx = generate(seed=3)
    with scopes_disabled():
        municipalities = Municipality.objects.filter(code__in=scale_codes())
        n = municipalities.count()
        assert n == max(2, 342 // FRACTION)
        meetings = Meeting.objects.filter(municipality__in=municipalities).count() + (
            Meeting.objects.filter(region__slug__startswith=REGION_PREFIX).count()
        )
        assert meetings == ctx.counts["meetings"] == MEETINGS // FRACTION
        actions = ActionItem.objects.count()
        assert actions == ctx.counts["actions"]
        assert 0.8 * ACTIONS / FRACTION <= actions <= 1.2 * ACTIONS / FRACTION
        # every municipality and both regions hold meetings; regional actions too
        assert Meeting.objects.filter(region__isnull=False).exists()
        assert ActionItem.objects.filter(region__isnull=False).exists()
        assert ActionReview.objects.count() == ctx.counts["reviews"] > 0
        # ~200,000 audit events at national size
        events = AuditEvent.objects.count()
        assert events == ctx.counts["audit_events"]
        assert 0.9 * 200_000 / FRACTION <= events <= 1.1 * 200_000 / FRACTION

        # people: a policy officer everywhere; every role in the largest municipality, a
        # director per school there; a coordinator of a small and of the all-municipality region
        largest = ctx.shared["largest"]
        schools = School.objects.filter(municipality=largest).count()
        assert schools == max(School.objects.filter(municipality=m).count() for m in municipalities)
        roles = Membership.objects.filter(user__email__endswith=EMAIL_DOMAIN)
        assert roles.filter(role=Role.POLICY_OFFICER).count() == n
        for role in (Role.LEA_CHAIR, Role.ACCOUNTANT):
            assert list(roles.filter(role=role).values_list("municipality", flat=True)) == [
                largest.pk
            ]
        assert roles.filter(role=Role.SCHOOL_DIRECTOR, municipality=largest).count() == schools
        assert Directorship.objects.filter(school__municipality=largest).count() == schools
        regions = {
            r.slug: r.municipalities.count()
            for r in Region.objects.filter(slug__startswith=REGION_PREFIX)
        }
        assert sorted(regions.values()) == [max(2, round(20 * n / 342)), n]
        assert roles.filter(role=Role.REGIONAL_COORDINATOR).count() == 2
        assert User.objects.filter(email__endswith=EMAIL_DOMAIN).count() == n + 2 + schools + 2
        # a coordinator owns regional actions only, and no municipal one
        coordinators = User.objects.filter(memberships__role=Role.REGIONAL_COORDINATOR)
        assert not ActionItem.objects.filter(
            owner_user__in=coordinators, municipality__isnull=False
        ).exists()


@pytest.mark.django_db
def test_same_seed_same_data_and_a_rerun_replaces_the_set():
    generate(seed=5)
    with scopes_disabled():
        first = snapshot()
        counts = (Meeting.objects.count(), ActionItem.objects.count(), AuditEvent.objects.count())
    generate(seed=5)
    with scopes_disabled():
        assert snapshot() == first
        assert (
            Meeting.objects.count(),
            ActionItem.objects.count(),
            AuditEvent.objects.count(),
        ) == counts
    generate(seed=6)
    with scopes_disabled():
        assert snapshot() != first


@pytest.mark.django_db
def test_the_command_takes_the_fraction_and_refuses_nonsense(capsys):
    call_command("seed_demo", "--scale", "national", "--fraction", str(FRACTION), "--seed", "2")
    assert "meetings 25" in capsys.readouterr().out
    with pytest.raises(Exception, match="fraction"):
        call_command("seed_demo", "--scale", "national", "--fraction", "0")


def _pages_bench():
    path = Path(__file__).resolve().parent.parent / "bench" / "pages_bench.py"
    spec = importlib.util.spec_from_file_location("pages_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db
def test_the_pages_bench_measures_the_scale_sets_pages_as_their_users(client):
    """bench/pages_bench.py picks the largest municipality's and the all-municipality
    region's pages, each for the person who uses it; every one answers 200 for them."""
    generate(seed=4)
    pages = _pages_bench().measured_pages()
    assert [name for name, _u, _e in pages] == [
        "dashboard",
        "meeting detail",
        "action list",
        "region dashboard",
        "region action list",
    ]
    with scopes_disabled():
        largest = Membership.objects.get(role=Role.LEA_CHAIR, user__email__endswith=EMAIL_DOMAIN)
    assert all(f"/{largest.municipality.slug}/" in url for _n, url, _e in pages[:3])
    assert all("/regio/schaal-regio-land/" in url for _n, url, _e in pages[3:])
    for _name, url, email in pages:
        with scopes_disabled():
            user = User.objects.get(email=email)
        client.force_login(user)
        assert client.get(url).status_code == 200, url
