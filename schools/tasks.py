"""Background jobs of the schools app: thin, they take ids and call a service."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from .models import ImportJob


@shared_task(acks_late=True)
def import_job_run(job_id: int):
    """Run a confirmed browser import (services.import_job_run guards against running twice)."""
    from . import services

    with scopes_disabled():
        job = ImportJob.objects.select_related("municipality").filter(pk=job_id).first()
    if job is None:  # deleted meanwhile: nothing to do
        return
    with scope(municipality=job.municipality):
        services.import_job_run(job_id=job_id)


@shared_task
def import_uploads_cleanup(max_age_hours: int = 24) -> int:
    """Every few hours (CELERY_BEAT_SCHEDULE): remove uploads of previews nobody confirmed."""
    from . import services

    with scopes_disabled():
        return services.import_uploads_cleanup(
            older_than=timezone.now() - timedelta(hours=max_age_hours)
        )
