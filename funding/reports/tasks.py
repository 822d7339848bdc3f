"""Celery tasks of the spending reports: thin leaves (registered by
``app.autodiscover_tasks(["funding.reports"])`` in portal/celery.py; jobs.py starts them by name
through portal.jobs.enqueue).

``build_spending_report`` is acks-late (settings: the message is acknowledged only when the task
returns, and rejected back to the queue when its worker process is lost), and idempotent: the
service does nothing for a report already done and builds again from scratch one whose previous
attempt died. A build that no worker picks up again is re-queued or failed by
``reap_stale_reports`` (beat, every five minutes), so no report stays "running" forever."""

from celery import shared_task
from django_scopes import scopes_disabled

from portal.jobs import TenantTask

from .jobs import report_build, reports_reap_stale


@shared_task(
    name="funding.build_spending_report",
    base=TenantTask,
    acks_late=True,
    reject_on_worker_lost=True,
)
def build_spending_report(report_id: int, *, municipality):
    """Build one report of ``municipality`` in its scope; returns its status."""
    report = report_build(report_id=report_id)
    return report.status if report else None


@shared_task(name="funding.reap_stale_reports")
def reap_stale_reports():
    """Beat, every five minutes: re-queue or fail builds whose worker died, in every
    municipality (cross-tenant by nature; each re-queued build runs in its own scope)."""
    with scopes_disabled():
        return reports_reap_stale()
