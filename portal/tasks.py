"""Background jobs of the portal itself. Thin leaves: take ids, load, call a service (services
start them through portal.jobs.enqueue and never import this module)."""

from smtplib import SMTPException

from celery import shared_task

from .jobs import TenantTask
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
