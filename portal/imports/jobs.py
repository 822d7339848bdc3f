"""Browser imports as background jobs, for every kind (issue 9 §4, issue 13 §1/§3).

The view stores a checked upload in private storage and calls :func:`import_job_create` on
confirm; :func:`import_job_run` (the task ``portal.tasks.import_job_run``) runs the registered
import on the stored file, reporting progress, and always ends the job: done, or failed with
the reasons, and the upload removed either way. An unexpected error or the time limit
(``IMPORT_JOB_TIME_LIMIT`` seconds, default 1800) fails the job with a Dutch message instead of
leaving it "running" for good.
"""

import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import ApplicationError
from ..jobs import enqueue
from ..models import ImportJob
from . import registry

logger = logging.getLogger(__name__)

#: Uploads waiting between preview and confirm (and for their job), in private storage.
IMPORT_UPLOADS = "imports/uploads"


def import_job_create(
    *, actor, municipality, kind, path, filename, options=None, check_only: bool = False
) -> ImportJob:
    """Queue a confirmed import of ``kind`` (registered in portal.imports.registry) of the file
    waiting at ``path`` (private storage), or with ``check_only`` a dry run of it. The job
    starts once this transaction commits. Raises KeyError for an unknown kind."""
    registry.get(kind)
    job = ImportJob.objects.create(
        municipality=municipality,
        kind=kind,
        path=path,
        filename=filename,
        options=options or {},
        created_by=actor,
        check_only=check_only,
    )
    enqueue("portal.tasks.import_job_run", job.pk, municipality=municipality)
    return job


def _progress(job):
    def report(rows):
        ImportJob.objects.filter(pk=job.pk).update(progress=rows)

    return report


def import_job_run(*, job_id) -> ImportJob:
    """Run a queued import. Safe to run again (a redelivered message after a worker died):
    a finished job is left alone, and an interrupted one ran all-or-nothing, so it re-runs."""
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(of=("self",))
            .select_related("municipality", "created_by")
            .get(pk=job_id)
        )
        if job.finished:
            return job
        job.status, job.started_at, job.progress = ImportJob.Status.RUNNING, timezone.now(), 0
        job.save(update_fields=["status", "started_at", "progress"])
    job.summary, job.errors, job.notices = "", [], []
    keep_file = False
    try:
        with default_storage.open(job.path, "rb") as file:
            result = registry.get(job.kind).run(
                actor=job.created_by,
                municipality=job.municipality,
                source=file,
                filename=job.filename,
                dry_run=job.check_only,
                progress=_progress(job),
                **job.options,
            )
    except FileNotFoundError:
        job.status = ImportJob.Status.FAILED
        job.errors = [_("Het bestand is niet meer beschikbaar; upload het opnieuw.")]
    except SoftTimeLimitExceeded:
        job.status = ImportJob.Status.FAILED
        job.errors = [_("De import duurde te lang en is afgebroken; er is niets opgeslagen.")]
    except Exception:  # the job must end, whatever went wrong; the traceback goes to the log
        logger.exception("import job %s failed", job.pk)
        job.status = ImportJob.Status.FAILED
        job.errors = [
            _("De import is mislukt door een fout in het portaal; er is niets opgeslagen.")
        ]
    else:
        job.errors = result.error_lines()[:1000]
        # Rows of other municipalities skipped, merged codes mapped, schools moved (issue 11).
        job.notices = [str(line) for line in result.notice_lines()][:1000]
        job.progress = result.total
        if not result.ok:
            job.status = ImportJob.Status.FAILED
        elif job.check_only:
            # Checked: the file stays for the confirm; the page shows the preview.
            job.status, keep_file = ImportJob.Status.CHECKED, True
            job.preview = _preview(result)
        else:
            job.status, job.summary = ImportJob.Status.DONE, str(result.summary)
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            *("status", "summary", "errors", "notices", "finished_at", "progress", "preview")
        ]
    )
    if not keep_file:
        default_storage.delete(job.path)
    return job


def _preview(result) -> list[dict]:
    """The preview rows as JSON-safe text, as the in-request preview shows them
    (``ImportResult.preview_table``): ``{"_line": "2", <the file's header>: <nl-NL value>}``,
    choices as their labels, and none of the importer's own keys (``school_id``)."""
    headers, rows = result.preview_table()
    return [dict(zip(["_line", *headers[1:]], row, strict=True)) for row in rows]


def import_job_check_create(
    *, actor, municipality, kind, path, filename, options=None
) -> ImportJob:
    """Queue a check (dry run with preview) of a large upload waiting at ``path``; the user
    confirms afterwards (:func:`import_job_confirm`). Raises KeyError for an unknown kind."""
    return import_job_create(
        actor=actor,
        municipality=municipality,
        kind=kind,
        path=path,
        filename=filename,
        options=options,
        check_only=True,
    )


def import_job_confirm(*, job: ImportJob, actor) -> ImportJob:
    """Import a checked file: the same job runs again, now writing. Raises ApplicationError
    when the job is not waiting for a confirm (already confirmed, failed or imported)."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != ImportJob.Status.CHECKED:
            raise ApplicationError(_("Deze import wacht niet (meer) op bevestiging."))
        locked.status, locked.check_only = ImportJob.Status.PENDING, False
        locked.finished_at, locked.created_by = None, actor
        locked.save(update_fields=["status", "check_only", "finished_at", "created_by"])
        enqueue("portal.tasks.import_job_run", locked.pk, municipality=locked.municipality)
    return locked


def import_job_retryable(job: ImportJob) -> bool:
    """Whether a failed ``job`` can run again as it is: its upload is still stored. A run
    that ended by itself (refused lines, an error) removed it; a job given up after its
    workers were lost (portal.jobs) did not."""
    return job.status == ImportJob.Status.FAILED and default_storage.exists(job.path)


def import_job_retry(*, job: ImportJob, actor) -> ImportJob:
    """Queue a failed job again on its stored upload (the retry button of a given-up import),
    as the check or the import it was. Raises ApplicationError when the job did not fail or its
    file is gone (the user uploads it again)."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != ImportJob.Status.FAILED:
            raise ApplicationError(_("Alleen een mislukte import kan opnieuw worden gestart."))
        if not default_storage.exists(locked.path):
            raise ApplicationError(_("Het bestand is niet meer beschikbaar; upload het opnieuw."))
        locked.status, locked.errors, locked.progress = ImportJob.Status.PENDING, [], 0
        locked.finished_at, locked.created_by = None, actor
        locked.save(update_fields=["status", "errors", "progress", "finished_at", "created_by"])
        enqueue("portal.tasks.import_job_run", locked.pk, municipality=locked.municipality)
    return locked


def import_uploads_cleanup(*, older_than) -> int:
    """Delete uploads whose preview was never confirmed (private data must not linger);
    files of queued or running jobs, and of checks finished after ``older_than``, stay.
    Returns the number deleted."""
    try:
        _dirs, files = default_storage.listdir(IMPORT_UPLOADS)
    except FileNotFoundError:
        return 0
    waiting = set(
        ImportJob.objects.filter(
            Q(status__in=[ImportJob.Status.PENDING, ImportJob.Status.RUNNING])
            # A checked file waits for its confirm as long as an unconfirmed preview does.
            | Q(status=ImportJob.Status.CHECKED, finished_at__gte=older_than)
        ).values_list("path", flat=True)
    )
    deleted = 0
    for name in files:
        path = f"{IMPORT_UPLOADS}/{name}"
        if path not in waiting and default_storage.get_modified_time(path) < older_than:
            default_storage.delete(path)
            deleted += 1
    return deleted
