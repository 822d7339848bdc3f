"""Background jobs of the portal itself. Thin: take ids, load, call a service."""

from smtplib import SMTPException

from celery import shared_task

from .models import Invitation


@shared_task(
    autoretry_for=(SMTPException, ConnectionError, TimeoutError), retry_backoff=True, max_retries=5
)
def send_invitation(invitation_id: int, link: str) -> None:
    from .services import invitation_send

    invitation = Invitation.objects.select_related("municipality").filter(pk=invitation_id).first()
    if invitation is None:  # withdrawn before the job ran
        return
    invitation_send(invitation=invitation, link=link)
