"""Background jobs of the funding app: thin wrappers that take ids and call a service."""

from celery import shared_task
from django_scopes import scopes_disabled


@shared_task(acks_late=True, soft_time_limit=600, time_limit=720)
def run_checks(check_run_id):
    """Run one queued CheckRun (the findings page's button, or one municipality of the night)."""
    from .services.checks import check_run_execute

    with scopes_disabled():
        check_run_execute(check_run_id=check_run_id)


@shared_task
def run_checks_nightly():
    """celery beat, every night: queue a run for every municipality, one task each, so the
    workers share the load and one failing municipality does not stop the others."""
    from portal.models import Municipality

    from .models import CheckRun

    with scopes_disabled():
        for municipality in Municipality.objects.all():
            run = CheckRun.objects.create(
                municipality=municipality, trigger=CheckRun.Trigger.NIGHTLY
            )
            run_checks.delay(run.pk)
