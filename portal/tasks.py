"""Background jobs of the portal itself. Thin leaves: take ids, load, call a service (services
start them through portal.jobs.enqueue and never import this module)."""

import contextlib
from datetime import timedelta
from smtplib import SMTPException

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.utils import timezone
from django_scopes import scopes_disabled

from . import exports
from .imports import jobs as import_jobs
from .jobs import TenantTask, jobs_sweep
from .models import Invitation
from .services import invitation_send


@shared_task(
    name="portal.tasks.send_invitation",
    base=TenantTask,
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def send_invitation(invitation_id: int, link: str, *, municipality) -> None:
    """Mail one invitation of ``municipality`` (runs in its scope)."""
    invitation = Invitation.objects.filter(pk=invitation_id, municipality=municipality).first()
    if invitation is None:  # withdrawn before the job ran
        return
    invitation_send(invitation=invitation, link=link)


@shared_task(name="portal.tasks.sweep_jobs")
def sweep_jobs() -> dict:
    """Beat, every 30 s, and once when a worker starts: re-send jobs whose message was lost and
    re-queue jobs whose worker died (portal.jobs.jobs_sweep). Cross-tenant by nature; each job
    then runs in its own municipality's scope."""
    with scopes_disabled():
        return jobs_sweep()


@worker_ready.connect
def _sweep_when_a_worker_starts(sender=None, **kwargs):
    """A worker that starts after a crash or an outage picks up what was left at once, rather
    than at the next beat (sent as a task: the worker's main process keeps no database
    connection that its forked children would share)."""
    with contextlib.suppress(Exception):
        sweep_jobs.apply_async(retry=False)


@shared_task(
    name="portal.tasks.import_job_run",
    base=TenantTask,
    acks_late=True,
    soft_time_limit=settings.IMPORT_JOB_TIME_LIMIT,
    time_limit=settings.IMPORT_JOB_TIME_LIMIT + 60,
)
def import_job_run(job_id: int, *, municipality):
    """Run a confirmed browser import of ``municipality`` in its scope (every kind; the job
    ends done or failed, portal.imports.jobs.import_job_run)."""
    import_jobs.import_job_run(job_id=job_id)


@shared_task(name="portal.tasks.import_uploads_cleanup")
def import_uploads_cleanup(max_age_hours: int = 24) -> int:
    """Every few hours (CELERY_BEAT_SCHEDULE): remove uploads of previews nobody confirmed.
    Cross-tenant by nature (one upload folder), so it runs without a scope."""
    with scopes_disabled():
        return import_jobs.import_uploads_cleanup(
            older_than=timezone.now() - timedelta(hours=max_age_hours)
        )


@shared_task(name="portal.tasks.export_job_run", base=TenantTask, acks_late=True)
def export_job_run(job_id: int, *, municipality):
    """Build a large XLSX export of ``municipality`` in its scope (portal.exports; ends done
    or failed)."""
    exports.export_job_run(job_id=job_id)


@shared_task(name="portal.tasks.export_jobs_cleanup")
def export_jobs_cleanup() -> int:
    """Every few hours (CELERY_BEAT_SCHEDULE): remove export files older than
    ``PORTAL_EXPORT_KEEP_HOURS``. Cross-tenant by nature, so it runs without a scope."""
    with scopes_disabled():
        return exports.export_jobs_cleanup(
            older_than=timezone.now() - timedelta(hours=settings.PORTAL_EXPORT_KEEP_HOURS)
        )
