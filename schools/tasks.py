"""Background jobs of the schools app: thin leaves that take ids and call a service (services
start them through portal.jobs.enqueue and never import this module)."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone
from django_scopes import scopes_disabled

from portal.jobs import TenantTask

from . import services


@shared_task(name="schools.tasks.import_job_run", base=TenantTask, acks_late=True)
def import_job_run(job_id: int, *, municipality):
    """Run a confirmed browser import of ``municipality`` in its scope
    (services.import_job_run guards against running twice)."""
    services.import_job_run(job_id=job_id)


@shared_task(name="schools.tasks.import_uploads_cleanup")
def import_uploads_cleanup(max_age_hours: int = 24) -> int:
    """Every few hours (CELERY_BEAT_SCHEDULE): remove uploads of previews nobody confirmed.
    Cross-tenant by nature (one upload folder), so it runs without a scope."""
    with scopes_disabled():
        return services.import_uploads_cleanup(
            older_than=timezone.now() - timedelta(hours=max_age_hours)
        )
