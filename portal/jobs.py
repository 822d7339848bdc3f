"""Background jobs: how services start them and how they run (pretix's pattern, with an outbox).

Services never import their tasks. They call :func:`enqueue` with the task's registered name.
That writes a :class:`~portal.models.Job` row in the caller's transaction (the outbox) and sends
the Celery message once the transaction commits (a worker never sees a row that is not there
yet; a rolled-back request starts nothing). Tasks are thin leaves: they import the service they
run, never the other way round.

Every job runs exactly once, whatever happens to the broker or the workers:

- The message carries only the job's id. A worker *claims* the row first (``SELECT ... FOR
  UPDATE SKIP LOCKED``, status queued -> running); a second message for the same job (Redis
  redelivering after a worker was lost, the sweeper re-sending) finds it running or done and
  does nothing.
- While it runs, a thread in the worker beats ``heartbeat_at`` every
  ``PORTAL_JOB_HEARTBEAT_SECONDS``. A job whose heartbeat is older than
  ``PORTAL_JOB_STALE_SECONDS`` lost its worker (SIGKILL, OOM, a pulled plug).
- :func:`jobs_sweep` (celery beat, every 30 s, and whenever a worker starts) re-queues those,
  at most ``PORTAL_JOB_MAX_ATTEMPTS`` times, and re-sends queued jobs whose message never reached
  the broker (Redis was down when the request committed: the request still answers, the job
  waits as "wacht op verwerking").

A job that is given up (the sweeper after ``PORTAL_JOB_MAX_ATTEMPTS`` lost workers, or a task
that ended in an error, e.g. after its last Celery retry) also ends the row the user watches (an
import, a check run, a report): :func:`register_give_up` names, per task, how; so no page keeps
showing "bezig" or "wacht op verwerking" for a job nobody will run again.

A job that works on one municipality's data runs on :class:`TenantTask` (pretix's
``EventTask``): it receives the municipality as ``municipality_id`` and runs inside that
municipality's django-scopes scope, so a query in a job fails closed exactly like one in a
request. Only the cross-tenant beat jobs (sweeping, cleaning up, queueing a run per
municipality) run under ``scopes_disabled()``, and they only hand out per-tenant jobs.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from celery import Task, current_app
from celery.exceptions import Retry
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from .models import Job, Municipality

logger = logging.getLogger(__name__)

# The keyword argument that carries the job's id in a Celery message.
JOB_KWARG = "portal_job_id"
# How the sweeper's error of a job it gave up begins (the support log's text, not the user's).
WORKER_LOST = "worker lost"


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def enqueue(
    task_name: str,
    *args,
    municipality: Municipality | None = None,
    countdown: int | None = None,
    **kwargs,
) -> Job:
    """Record a job for the Celery task registered as ``task_name`` with ``args``/``kwargs``
    (JSON values) and send it after the current transaction commits (at once outside a
    transaction); ``countdown`` seconds delay its start. ``municipality`` is the tenant of a
    :class:`TenantTask`, sent as ``municipality_id``. Without a broker the task runs
    in-process (``CELERY_TASK_ALWAYS_EAGER``). A broker that cannot be reached leaves the job
    queued for :func:`jobs_sweep`; it never fails the caller. Returns the :class:`Job`.
    Raises ``celery.exceptions.NotRegistered`` for an unknown name and ``TypeError`` for a task
    that is not a :class:`JobTask`."""
    task = registered_task(task_name)
    if not isinstance(task, JobTask):
        raise TypeError(f"{task_name} is not a portal.jobs.JobTask; it cannot be enqueued")
    if municipality is not None:
        kwargs["municipality_id"] = municipality.pk
    job = Job.objects.create(
        task=task_name,
        args=list(args),
        kwargs=kwargs,
        municipality=municipality,
        not_before=timezone.now() + timedelta(seconds=countdown or 0),
    )
    transaction.on_commit(lambda: job_send(job))
    return job


def job_send(job: Job) -> bool:
    """Send ``job``'s wake-up message to the broker (in-process: run it now). Returns False
    when the broker cannot be reached; the job then stays queued and :func:`jobs_sweep` sends
    it again. A task's own error propagates in-process, as it did before the outbox."""
    task = registered_task(job.task)
    countdown = max(0.0, (job.not_before - timezone.now()).total_seconds())
    kwargs = {**job.kwargs, JOB_KWARG: job.pk}
    if task.app.conf.task_always_eager:
        task.apply_async(args=job.args, kwargs=kwargs)
        return True
    try:
        task.apply_async(args=job.args, kwargs=kwargs, countdown=countdown or None, retry=False)
    except Exception as error:  # noqa: BLE001 - kombu/redis raise many kinds of "unreachable"
        logger.warning("job %s (%s) not sent, waits for the sweeper: %r", job.pk, job.task, error)
        return False
    Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(sent_at=timezone.now())
    return True


def registered_task(task_name: str) -> Task:
    """The task registered as ``task_name``. Services do not import tasks, and Celery
    discovers them only when a worker starts: a web process discovers them here, once (the
    same autodiscovery the worker runs). Raises ``celery.exceptions.NotRegistered``."""
    if task_name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[task_name]


# --- running a job ------------------------------------------------------------------------


def job_claim(job_id: int, *, worker: str = "") -> int | None:
    """Take job ``job_id`` for this worker: queued (or running with a stale heartbeat: its
    worker died and the broker redelivered the message first) becomes running. Returns the
    attempt number that now owns it, or None when the job is done, failed, missing, running on
    a live worker, or being claimed by someone else at this moment (row locked)."""
    stale = timezone.now() - timedelta(seconds=_setting("PORTAL_JOB_STALE_SECONDS", 60))
    with transaction.atomic():
        job = Job.objects.select_for_update(skip_locked=True).filter(pk=job_id).first()
        if job is None:
            return None
        takeover = job.status == Job.Status.RUNNING and (
            job.heartbeat_at is None or job.heartbeat_at < stale
        )
        if job.status != Job.Status.QUEUED and not takeover:
            return None
        now = timezone.now()
        job.status = Job.Status.RUNNING
        job.attempts += 1
        job.started_at = job.heartbeat_at = now
        job.worker = worker[:200]
        job.error = ""
        job.save(
            update_fields=["status", "attempts", "started_at", "heartbeat_at", "worker", "error"]
        )
        return job.attempts


def job_is_live(job_id: int) -> bool:
    """Whether job ``job_id`` is queued or running (not finished, not gone)."""
    return Job.objects.filter(
        pk=job_id, status__in=[Job.Status.QUEUED, Job.Status.RUNNING]
    ).exists()


def job_finish(job_id: int, attempt: int, *, error: str = "") -> None:
    """End attempt ``attempt`` of job ``job_id``: done, or failed with ``error``. A stale
    attempt (the sweeper gave the job to another worker meanwhile) changes nothing."""
    ended = Job.objects.filter(pk=job_id, attempts=attempt, status=Job.Status.RUNNING).update(
        status=Job.Status.FAILED if error else Job.Status.DONE,
        error=error[:4000],
        finished_at=timezone.now(),
    )
    if ended and error:
        job_given_up(job_id)


# --- giving up ----------------------------------------------------------------------------

# task name -> handler(job, reason): ends the row the user watches for that job (failed).
_GIVE_UP: dict[str, Callable] = {}


def register_give_up(task_name: str, handler: Callable) -> None:
    """Say how a given-up job of ``task_name`` ends the row its page shows:
    ``handler(job, reason)`` gets the failed :class:`Job` and a Dutch reason for the user,
    and marks that row failed (only while it is still queued or running). Called from the
    apps' ``ready()``; see :func:`fail_row` for the usual handler."""
    _GIVE_UP[task_name] = handler


def fail_row(model, *, live=("queued", "running"), values=None) -> Callable:
    """A :func:`register_give_up` handler for a task whose first argument is the id of a
    ``model`` row with ``status`` and ``finished_at``: a row still in a ``live`` status becomes
    ``failed``, with ``values(reason)`` (default ``{"error": reason}``) set as well."""
    values = values or (lambda reason: {"error": reason})

    def handler(job, reason):
        if not job.args:
            return
        model.objects.filter(pk=job.args[0], status__in=live).update(
            status="failed", finished_at=timezone.now(), **values(reason)
        )

    return handler


def given_up_reason(job: Job) -> str:
    """The Dutch reason a user reads for a given-up job (no internal error text)."""
    if job.error.startswith(WORKER_LOST):
        return _(
            "De verwerking is %(n)s keer onderbroken (de achtergrondverwerking viel uit) en "
            "daarna gestopt. Er is niets half opgeslagen; probeer het opnieuw."
        ) % {"n": job.attempts}
    return _(
        "De verwerking is gestopt door een fout in het portaal. Er is niets half opgeslagen; "
        "probeer het opnieuw of neem contact op met beheer."
    )


def job_given_up(job_id: int) -> None:
    """Run the registered handler of failed job ``job_id`` (see :func:`register_give_up`).
    Never raises: a handler's error is logged, the job stays failed either way."""
    job = Job.objects.filter(pk=job_id, status=Job.Status.FAILED).first()
    handler = _GIVE_UP.get(job.task) if job else None
    if handler is None:
        return
    try:
        with scopes_disabled(), transaction.atomic():
            handler(job, given_up_reason(job))
    except Exception:  # noqa: BLE001 - giving up must not fail the worker or the sweeper
        logger.exception("give-up handler of job %s (%s) failed", job.pk, job.task)


def job_release(job_id: int, attempt: int) -> None:
    """Hand attempt ``attempt`` back to the queue (the task asked Celery to retry it later:
    the retry message carries the same job id)."""
    Job.objects.filter(pk=job_id, attempts=attempt, status=Job.Status.RUNNING).update(
        status=Job.Status.QUEUED, sent_at=timezone.now()
    )


@contextlib.contextmanager
def heartbeat(job_id: int, attempt: int, *, every: float | None = None):
    """Beat ``heartbeat_at`` of the running job every ``every`` seconds (default
    ``PORTAL_JOB_HEARTBEAT_SECONDS``) from a thread with its own database connection, for as
    long as the block runs."""
    every = every or _setting("PORTAL_JOB_HEARTBEAT_SECONDS", 10)
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(every):
                try:
                    Job.objects.filter(
                        pk=job_id, attempts=attempt, status=Job.Status.RUNNING
                    ).update(heartbeat_at=timezone.now())
                except Exception:  # noqa: BLE001 - a missed beat is retried; never crash
                    logger.warning("heartbeat of job %s failed", job_id, exc_info=True)
                    close_old_connections()
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 5)


class JobTask(Task):
    """A task started by :func:`enqueue`: runs only after claiming its :class:`Job` row (so
    exactly once), with a heartbeat, and records how it ended. Called without a job id (beat,
    a test calling it directly) it just runs."""

    typing = False

    def __call__(self, *args, **kwargs):
        job_id = kwargs.pop(JOB_KWARG, None)
        if job_id is None:
            return self.run_job(*args, **kwargs)
        attempt = job_claim(job_id, worker=getattr(self.request, "hostname", None) or "")
        if attempt is None:
            if not self.app.conf.task_always_eager and job_is_live(job_id):
                # Redelivered while the job looks alive: its worker may have died a moment ago.
                # Look again once its heartbeat would be stale (never lost without beat).
                self.apply_async(
                    args=args,
                    kwargs={**kwargs, JOB_KWARG: job_id},
                    countdown=_setting("PORTAL_JOB_STALE_SECONDS", 60) + 1,
                )
            logger.info("%s: job %s is done or running elsewhere; nothing to do", self.name, job_id)
            return None
        eager = self.app.conf.task_always_eager
        beat = contextlib.nullcontext() if eager else heartbeat(job_id, attempt)
        try:
            with beat:
                result = self.run_job(*args, **kwargs)
        except Retry:
            job_release(job_id, attempt)
            raise
        except BaseException as error:
            job_finish(job_id, attempt, error=f"{type(error).__name__}: {error}" or "error")
            raise
        job_finish(job_id, attempt)
        return result

    def run_job(self, *args, **kwargs):
        return super().__call__(*args, **kwargs)


class TenantTask(JobTask):
    """A task that runs inside one municipality's scope. Called with ``municipality_id=<pk>``
    (see :func:`enqueue`); the task function receives ``municipality=<Municipality>`` instead.
    A municipality deleted before the job ran ends the job without doing anything."""

    # Celery checks call arguments against the function's signature when a job is sent; ours
    # takes ``municipality_id`` on the wire and ``municipality`` in the function, so the check
    # happens here, when the job runs (a missing ``municipality_id`` is a TypeError).
    typing = False

    def run_job(self, *args, municipality_id: int, **kwargs):
        with scopes_disabled():
            municipality = Municipality.objects.filter(pk=municipality_id).first()
        if municipality is None:
            logger.warning("%s: municipality %s no longer exists", self.name, municipality_id)
            return None
        with scope(municipality=municipality):
            return super().run_job(*args, municipality=municipality, **kwargs)


# --- the sweeper --------------------------------------------------------------------------


def jobs_sweep(*, now=None) -> dict:
    """Never lost, never stuck (beat, every 30 s; and when a worker starts). Re-queues running
    jobs whose heartbeat is older than ``PORTAL_JOB_STALE_SECONDS`` (their worker died; after
    ``PORTAL_JOB_MAX_ATTEMPTS`` attempts the job fails with a reason instead) and sends every
    queued job that is due and whose message never left or left longer than
    ``PORTAL_JOB_RESEND_SECONDS`` ago (lost with the broker). Cross-tenant: call under
    ``scopes_disabled()``. Finished jobs older than ``PORTAL_JOB_KEEP_DAYS`` are removed.
    Returns ``{"requeued": n, "failed": n, "sent": n, "removed": n}``."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=_setting("PORTAL_JOB_STALE_SECONDS", 60))
    resend = now - timedelta(seconds=_setting("PORTAL_JOB_RESEND_SECONDS", 600))
    max_attempts = _setting("PORTAL_JOB_MAX_ATTEMPTS", 5)
    counts = {"requeued": 0, "failed": 0, "sent": 0}
    given_up = []
    dead = Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=stale)
    for job_id in list(dead.values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            job = (
                Job.objects.select_for_update(skip_locked=True)
                .filter(pk=job_id, status=Job.Status.RUNNING, heartbeat_at__lt=stale)
                .first()
            )
            if job is None:
                continue
            if job.attempts >= max_attempts:
                job.status = Job.Status.FAILED
                job.error = f"{WORKER_LOST} {job.attempts} times"
                job.finished_at = now
                job.save(update_fields=["status", "error", "finished_at"])
                counts["failed"] += 1
                given_up.append(job.pk)
                continue
            job.status = Job.Status.QUEUED
            job.sent_at = None
            job.save(update_fields=["status", "sent_at"])
            counts["requeued"] += 1
    for job_id in given_up:
        job_given_up(job_id)
    waiting = (
        Job.objects.filter(status=Job.Status.QUEUED, not_before__lte=now)
        .exclude(sent_at__gte=resend)
        .order_by("not_before", "pk")
    )
    # A new job committed a moment ago is being sent by its request's on_commit right now.
    waiting = waiting.exclude(
        sent_at__isnull=True, attempts=0, created_at__gte=now - timedelta(seconds=10)
    )
    for job in list(waiting[:500]):
        if not job_send(job):
            break  # the broker is still down: the next sweep tries again
        counts["sent"] += 1
    # Finished jobs are kept a while for support questions, then removed.
    keep = now - timedelta(days=_setting("PORTAL_JOB_KEEP_DAYS", 30))
    old = Job.objects.filter(
        status__in=[Job.Status.DONE, Job.Status.FAILED], finished_at__lt=keep
    ).values_list("pk", flat=True)[:5000]
    counts["removed"] = Job.objects.filter(pk__in=list(old)).delete()[0]
    if any(counts.values()):
        logger.info("jobs sweep: %s", counts)
    return counts
