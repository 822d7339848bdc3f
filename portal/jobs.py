"""Background jobs: how services start them and how they run (pretix's pattern).

Services never import their tasks. They call :func:`enqueue` with the task's registered name,
and the job starts once the current transaction commits (a worker never sees a row that is
not there yet; a rolled-back request starts nothing). Tasks are thin leaves: they import the
service they run, never the other way round.

A job that works on one municipality's data runs on :class:`TenantTask` (pretix's
``EventTask``): it receives the municipality as ``municipality_id`` and runs inside that
municipality's django-scopes scope, so a query in a job fails closed exactly like one in a
request. Only the cross-tenant beat jobs (reaping, cleaning up, queueing a run per
municipality) run under ``scopes_disabled()``, and they only hand out per-tenant jobs.
"""

import logging

from celery import Task, current_app
from django.db import transaction
from django_scopes import scope, scopes_disabled

from .models import Municipality

logger = logging.getLogger(__name__)


def enqueue(task_name: str, *args, municipality: Municipality | None = None, **kwargs) -> None:
    """Start the Celery task registered as ``task_name`` with ``args``/``kwargs`` after the
    current transaction commits (at once outside a transaction). ``municipality`` is the
    tenant of a :class:`TenantTask`, sent as ``municipality_id``. Without a broker the task
    runs in-process (``CELERY_TASK_ALWAYS_EAGER``). Raises ``celery.exceptions.NotRegistered``
    for an unknown name."""
    if municipality is not None:
        kwargs["municipality_id"] = municipality.pk
    job = registered_task(task_name)
    transaction.on_commit(lambda: job.apply_async(args=args, kwargs=kwargs))


def registered_task(task_name: str) -> Task:
    """The task registered as ``task_name``. Services do not import tasks, and Celery
    discovers them only when a worker starts: a web process discovers them here, once (the
    same autodiscovery the worker runs). Raises ``celery.exceptions.NotRegistered``."""
    if task_name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[task_name]


class TenantTask(Task):
    """A task that runs inside one municipality's scope. Called with ``municipality_id=<pk>``
    (see :func:`enqueue`); the task function receives ``municipality=<Municipality>`` instead.
    A municipality deleted before the job ran ends the job without doing anything."""

    # Celery checks call arguments against the function's signature when a job is sent; ours
    # takes ``municipality_id`` on the wire and ``municipality`` in the function, so the check
    # happens here, when the job runs (a missing ``municipality_id`` is a TypeError).
    typing = False

    def __call__(self, *args, municipality_id: int, **kwargs):
        with scopes_disabled():
            municipality = Municipality.objects.filter(pk=municipality_id).first()
        if municipality is None:
            logger.warning("%s: municipality %s no longer exists", self.name, municipality_id)
            return None
        with scope(municipality=municipality):
            return super().__call__(*args, municipality=municipality, **kwargs)
