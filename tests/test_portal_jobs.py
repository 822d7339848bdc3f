"""Background jobs (portal.jobs): services start them after the commit, and a tenant's job runs
inside that tenant's scope, so a query in a job fails closed like one in a request (issue 9 §6)."""

import pytest
from celery import shared_task
from django.db import transaction
from django_scopes import get_scope, scopes_disabled
from django_scopes.exceptions import ScopeError

from portal.jobs import TenantTask, enqueue, registered_task
from schools.models import School

from .factories import MunicipalityFactory, SchoolFactory

pytestmark = pytest.mark.django_db

SEEN: list = []


@shared_task(name="tests.scope_probe", base=TenantTask)
def scope_probe(school_id: int, *, municipality):
    """Records what a job of ``municipality`` sees: its scope, all schools, and one by id."""
    SEEN.append(
        {
            "scope": get_scope().get("municipality"),
            "schools": sorted(School.objects.values_list("name", flat=True)),
            "by_id": School.objects.filter(pk=school_id).first(),
        }
    )
    return municipality.code


@pytest.fixture
def two_tenants():
    SEEN.clear()
    own, other = MunicipalityFactory(code="GM0001"), MunicipalityFactory(code="GM0002")
    return {
        "own": own,
        "other": other,
        "own_school": SchoolFactory(municipality=own, name="Eigen school"),
        "other_school": SchoolFactory(municipality=other, name="Andere school"),
    }


def test_a_tenant_job_sees_only_its_municipality_and_a_foreign_id_finds_nothing(
    two_tenants, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(
            "tests.scope_probe", two_tenants["other_school"].pk, municipality=two_tenants["own"]
        )
    assert [{"scope": two_tenants["own"], "schools": ["Eigen school"], "by_id": None}] == SEEN


def test_the_job_starts_only_when_the_transaction_commits(
    two_tenants, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            enqueue(
                "tests.scope_probe", two_tenants["own_school"].pk, municipality=two_tenants["own"]
            )
        assert SEEN == []  # not yet: a worker must not see rows that are not committed
    assert len(callbacks) == 1
    callbacks[0]()
    assert SEEN[0]["by_id"] == two_tenants["own_school"]


def test_a_tenant_task_called_without_its_municipality_is_refused(two_tenants):
    with pytest.raises(TypeError):
        scope_probe(two_tenants["own_school"].pk)
    assert SEEN == []


def test_a_job_of_a_deleted_municipality_does_nothing(two_tenants):
    gone = MunicipalityFactory(code="GM0003")
    with scopes_disabled():
        gone.delete()
    assert scope_probe(two_tenants["own_school"].pk, municipality_id=gone.pk) is None
    assert SEEN == []


def test_outside_a_job_the_same_query_without_a_scope_raises(two_tenants):
    with pytest.raises(ScopeError):
        list(School.objects.all())


@pytest.mark.parametrize(
    "name",
    [
        "portal.tasks.send_invitation",
        "portal.tasks.import_job_run",
        "funding.tasks.run_checks",
        "funding.build_spending_report",
    ],
)
def test_every_per_municipality_job_runs_in_its_scope(name):
    assert isinstance(registered_task(name), TenantTask)
