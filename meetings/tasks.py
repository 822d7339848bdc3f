"""Background jobs of the meetings app (thin: load, call a service)."""

from celery import shared_task
from django_scopes import scopes_disabled


@shared_task(name="meetings.send_weekly_reminders", acks_late=True)
def send_weekly_reminders(today: str | None = None) -> dict:
    """The weekly digest job (celery beat, Monday morning). Idempotent per ISO week: the
    SentDigest rows make a second run, or a redelivery after a crash, send nothing twice."""
    import datetime

    from .reminders import reminders_send_weekly

    with scopes_disabled():
        return reminders_send_weekly(today=datetime.date.fromisoformat(today) if today else None)
