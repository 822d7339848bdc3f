"""Background jobs of the portal itself. Thin leaves: take ids, load, call a service (services
start them through portal.jobs.enqueue and never import this module)."""

import contextlib
from smtplib import SMTPException

from celery import shared_task
from celery.signals import worker_ready
from django_scopes import scopes_disabled

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
