"""Background jobs of the meetings app (thin: load, call a service)."""

import smtplib

from celery import shared_task

from .reminders import reminders_send_weekly


@shared_task(
    name="meetings.send_weekly_reminders",
    acks_late=True,
    # A mail server that is down for a moment: try again later. Digests already sent this
    # week are skipped on the retry (SentDigest), so retrying is safe.
    autoretry_for=(smtplib.SMTPException, ConnectionError),
    retry_backoff=60,
    max_retries=5,
)
def send_weekly_reminders(today: str | None = None) -> dict:
    """The weekly digest job (celery beat, Monday morning). Idempotent per ISO week: the
    SentDigest rows make a second run, or a redelivery after a crash, send nothing twice."""
    import datetime

    return reminders_send_weekly(today=datetime.date.fromisoformat(today) if today else None)
