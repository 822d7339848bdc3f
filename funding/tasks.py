"""Background jobs of the funding app: thin leaves that take ids and call a service (services
start them through portal.jobs.enqueue and never import this module)."""

from celery import shared_task
from django_scopes import scopes_disabled

from portal.jobs import TenantTask, enqueue
from portal.models import Municipality

from .freshness import auto_run_execute
from .models import CheckRun
from .services.checks import check_run_execute


@shared_task(
    name="funding.tasks.run_checks",
    base=TenantTask,
    acks_late=True,
    soft_time_limit=600,
    time_limit=720,
)
def run_checks(check_run_id, *, municipality):
    """Run one queued CheckRun of ``municipality`` in its scope (the findings page's button, or
    one municipality of the night)."""
    check_run_execute(check_run_id=check_run_id)


@shared_task(
    name="funding.tasks.run_checks_auto",
    base=TenantTask,
    acks_late=True,
    soft_time_limit=600,
    time_limit=720,
)
def run_checks_auto(check_run_id, *, municipality):
    """The re-run of ``municipality``'s checks after writes (funding.freshness): coalesced,
    one at a time per municipality."""
    auto_run_execute(check_run_id=check_run_id)


@shared_task(name="funding.tasks.run_checks_nightly")
def run_checks_nightly():
    """celery beat, every night: queue a run for every municipality, one task each, so the
    workers share the load and one failing municipality does not stop the others."""
    with scopes_disabled():
        for municipality in Municipality.objects.all():
            run = CheckRun.objects.create(
                municipality=municipality, trigger=CheckRun.Trigger.NIGHTLY
            )
            enqueue("funding.tasks.run_checks", run.pk, municipality=municipality)
