"""Celery tasks of the spending reports: thin leaves (registered by
``app.autodiscover_tasks(["funding.reports"])`` in portal/celery.py; jobs.py starts them by name
through portal.jobs.enqueue).

``build_spending_report`` is acks-late (settings: the message is acknowledged only when the task
returns, and rejected back to the queue when its worker process is lost), and idempotent: the
service does nothing for a report already done and builds again from scratch one whose previous
attempt died. A build whose worker died is re-run once by portal.jobs (its job's heartbeat
stops; ``jobs_sweep`` re-queues it and the row lock lets exactly one worker build it), so no
report stays "running" forever and none is built twice in parallel."""

from celery import shared_task

from portal.jobs import TenantTask

from .jobs import report_build


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
