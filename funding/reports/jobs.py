"""Spending-report jobs (services: every write here): request a version, build its files in a
worker (a portal.jobs job: re-run once if its worker dies), retry, and serve the stored files checked against
their SHA-256."""

from __future__ import annotations

import hashlib
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_log
from portal.exceptions import ApplicationError
from portal.jobs import enqueue

from ..models import SpendingReport, _report_upload_to
from .content import compute_report
from .data import collect_report_data, data_sha256
from .render import render_report_pdf, render_report_xlsx

logger = logging.getLogger(__name__)

# A build interrupted this often (its worker died each time) fails with a reason instead of
# looping. Dead workers are found by portal.jobs.jobs_sweep (the job's heartbeat stops).
MAX_ATTEMPTS = 3


def _sha256(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


# --------------------------------------------------------------------------------------------
# 4. Jobs (services: every write here)
# --------------------------------------------------------------------------------------------


def _enqueue(report):
    enqueue("funding.build_spending_report", report.pk, municipality=report.municipality)


def report_request(
    *, municipality, stream, year: int | None, user, enqueue: bool = True
) -> tuple[SpendingReport, bool]:
    """Ask for the report of ``municipality`` x ``stream`` x ``year``. Returns ``(report,
    created)``: the existing version when the data are unchanged (a failed one is queued again),
    else a new version, queued for the worker. Returns at once; the build runs in the
    background (``enqueue=False``: the caller builds it, as the command and the demo do)."""
    if year is not None and not (2000 <= year <= 2100):
        raise ApplicationError(_("Kies een geldig jaar."))
    data = collect_report_data(municipality=municipality, stream=stream, year=year)
    sha = data_sha256(data)
    period = {"municipality": municipality, "stream": stream}
    for _attempt in range(3):
        try:
            with transaction.atomic():
                existing = (
                    SpendingReport.objects.select_for_update()
                    .filter(**period, data_sha256=sha)
                    .filter(_year_q(year))
                    .first()
                )
                if existing:
                    if existing.status == SpendingReport.Status.FAILED:
                        _requeue(existing, user=user, enqueue=enqueue)
                    return existing, False
                last = (
                    SpendingReport.objects.filter(**period)
                    .filter(_year_q(year))
                    .aggregate(v=Max("version"))["v"]
                    or 0
                )
                report = SpendingReport.objects.create(
                    **period,
                    year=year,
                    version=last + 1,
                    data_sha256=sha,
                    requested_by=user,
                    stage=_("in de wachtrij"),
                )
                audit_log(
                    actor=user,
                    action="report.request",
                    obj=report,
                    changes={"version": [None, report.version], "data_sha256": [None, sha]},
                )
                if enqueue:
                    _enqueue(report)
                return report, True
        except IntegrityError:
            continue  # someone asked at the same moment: read theirs
    raise ApplicationError(_("De rapportage kon niet worden aangevraagd; probeer het opnieuw."))


def _year_q(year):
    return Q(year=year) if year is not None else Q(year__isnull=True)


def _requeue(report, *, user, enqueue=True):
    report.status = SpendingReport.Status.QUEUED
    report.progress = 0
    report.error = ""
    report.attempts = 0
    report.stage = _("in de wachtrij")
    report.save(update_fields=["status", "progress", "error", "attempts", "stage"])
    audit_log(actor=user, action="report.retry", obj=report)
    if enqueue:
        _enqueue(report)


def report_retry(*, report: SpendingReport, user) -> SpendingReport:
    """Queue a failed build again (the retry button)."""
    with transaction.atomic():
        report = SpendingReport.objects.select_for_update().get(pk=report.pk)
        if report.status != SpendingReport.Status.FAILED:
            raise ApplicationError(_("Alleen een mislukte rapportage kan opnieuw worden gemaakt."))
        _requeue(report, user=user)
    return report


def _progress(report_id, progress, stage):
    SpendingReport.objects.filter(pk=report_id, status=SpendingReport.Status.RUNNING).update(
        progress=progress, stage=stage
    )


def report_build(*, report_id: int, workers: int | None = None) -> SpendingReport | None:
    """Build the files of one queued report; idempotent. A report already done is left alone
    (a redelivered message does nothing); a report whose previous attempt died mid-build is
    built again from scratch. Too many attempts fail it with a reason instead of looping."""
    with transaction.atomic():
        report = (
            SpendingReport.objects.select_for_update()
            .select_related("municipality", "stream")
            .filter(pk=report_id)
            .first()
        )
        if report is None or report.status == SpendingReport.Status.DONE:
            return report
        if report.status == SpendingReport.Status.FAILED:
            return report
        if report.attempts >= MAX_ATTEMPTS:
            _fail(
                report,
                _("Gestopt na %(n)s pogingen: de verwerking werd telkens afgebroken.")
                % {"n": report.attempts},
            )
            return report
        report.status = SpendingReport.Status.RUNNING
        report.attempts += 1
        report.started_at = timezone.now()
        report.progress = 5
        report.stage = _("gegevens verzamelen")
        report.save(update_fields=["status", "attempts", "started_at", "progress", "stage"])
    try:
        data = collect_report_data(
            municipality=report.municipality, stream=report.stream, year=report.year
        )
        sha = data_sha256(data)
        if sha != report.data_sha256:
            raise ApplicationError(
                _("De gegevens zijn gewijzigd sinds de aanvraag; vraag de rapportage opnieuw aan.")
            )
        content = compute_report(data, sha256=sha, report_id=report.pk, version=report.version)
        _progress(report.pk, 20, _("PDF opmaken (%(n)s regels)") % {"n": content.line_count})
        pdf = render_report_pdf(content, workers=workers)
        _progress(report.pk, 85, _("XLSX maken"))
        xlsx = render_report_xlsx(content)
        _progress(report.pk, 95, _("bestanden opslaan"))
        stem = f"bestedingsrapportage-{report.municipality.code}-{report.stream.code}-{report.year or 'termijn'}-v{report.version}"
        with transaction.atomic():
            current = SpendingReport.objects.select_for_update().get(pk=report.pk)
            if current.status != SpendingReport.Status.RUNNING:
                return current  # reaped or finished by another worker meanwhile
            for field_name, payload, ext in (("pdf", pdf, "pdf"), ("xlsx", xlsx, "xlsx")):
                name = f"{stem}-{sha[:12]}.{ext}"
                path = _report_path(current, name)
                if default_storage.exists(path):
                    default_storage.delete(path)  # a half-written file of a killed attempt
                getattr(current, field_name).save(name, ContentFile(payload), save=False)
                setattr(current, f"{field_name}_sha256", _sha256(payload))
            current.status = SpendingReport.Status.DONE
            current.progress = 100
            current.stage = _("klaar")
            current.error = ""
            current.finished_at = timezone.now()
            current.line_count = content.line_count
            current.spending = content.summary.spending
            current.save()
        return current
    except Exception as error:  # noqa: BLE001 - every failure must end the job with a reason
        logger.exception("spending report %s failed", report.pk)
        reason = (
            error.message
            if isinstance(error, ApplicationError)
            else _("Technische fout: %(e)s") % {"e": error}
        )
        with transaction.atomic():
            current = SpendingReport.objects.select_for_update().get(pk=report.pk)
            if current.status == SpendingReport.Status.RUNNING:
                _fail(current, reason)
        return current


def _report_path(report, name):
    return _report_upload_to(report, name)


def _fail(report, reason):
    report.status = SpendingReport.Status.FAILED
    report.error = str(reason)[:2000]
    report.stage = _("mislukt")
    report.finished_at = timezone.now()
    report.save(update_fields=["status", "error", "stage", "finished_at"])


def report_generate(
    *, municipality, stream, year: int | None, user=None, workers: int | None = None
) -> SpendingReport:
    """Request and build in this process (the command line and the demo): the same version
    rules as :func:`report_request`, without waiting for a worker."""
    report, _created = report_request(
        municipality=municipality, stream=stream, year=year, user=user, enqueue=False
    )
    if report.status != SpendingReport.Status.DONE:
        report = report_build(report_id=report.pk, workers=workers)
    return report


def report_file(report: SpendingReport, kind: str) -> tuple[bytes, str]:
    """The stored bytes of ``kind`` ("pdf"/"xlsx") of a finished report, checked against the
    stored SHA-256 (an altered file is refused, never served)."""
    if report.status != SpendingReport.Status.DONE:
        raise ApplicationError(_("Deze rapportage is nog niet klaar."))
    stored = getattr(report, kind)
    with stored.open("rb") as f:
        payload = f.read()
    if _sha256(payload) != getattr(report, f"{kind}_sha256"):
        raise ApplicationError(
            _("Het opgeslagen bestand komt niet overeen met zijn controlegetal.")
        )
    return payload, stored.name.rsplit("/", 1)[-1]
