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
from .data import ReportData, collect_report_data, data_sha256
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
    """Ask for the report of ``municipality`` x ``stream`` x ``year`` (None: the whole window).
    Returns ``(report, created)`` at once, without reading a single line: a new queued row
    (no version and no hash yet; the job hashes the data first, see :func:`report_build`), or
    ``created=False`` with the build of this period that is already queued or running (two
    simultaneous requests start one job: the ``uniq_spending_report_pending`` constraint
    makes the second one read the first's row). ``enqueue=False``: the caller builds it, as
    the command and the demo do. Audited as ``report.request``. Raises ApplicationError for a
    year outside 2000-2100 or when the row could not be written after three attempts."""
    _check_year(year)
    period = {"municipality": municipality, "stream": stream}
    pending = (SpendingReport.Status.QUEUED, SpendingReport.Status.RUNNING)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                existing = (
                    SpendingReport.objects.filter(**period, status__in=pending)
                    .filter(_year_q(year))
                    .first()
                )
                if existing:
                    return existing, False
                report = SpendingReport.objects.create(
                    **period,
                    year=year,
                    requested_by=user,
                    stage=_("in de wachtrij"),
                )
                audit_log(
                    actor=user,
                    action="report.request",
                    obj=report,
                    changes={"status": [None, report.status], "year": [None, year]},
                )
                if enqueue:
                    _enqueue(report)
                return report, True
        except IntegrityError:
            continue  # someone asked at the same moment: read theirs
    raise ApplicationError(_("De rapportage kon niet worden aangevraagd; probeer het opnieuw."))


def _check_year(year):
    if year is not None and not (2000 <= year <= 2100):
        raise ApplicationError(_("Kies een geldig jaar."))


def _year_q(year):
    return Q(year=year) if year is not None else Q(year__isnull=True)


def _requeue(report, *, user, enqueue=True):
    # The data are hashed again by the build: the version number follows from what it finds.
    report.status = SpendingReport.Status.QUEUED
    report.progress = 0
    report.error = ""
    report.attempts = 0
    report.stage = _("in de wachtrij")
    report.version = None
    report.data_sha256 = ""
    report.save(
        update_fields=["status", "progress", "error", "attempts", "stage", "version", "data_sha256"]
    )
    audit_log(actor=user, action="report.retry", obj=report)
    if enqueue:
        _enqueue(report)


def report_retry(*, report: SpendingReport, user) -> SpendingReport:
    """Queue a failed build again (the retry button). Raises ApplicationError when the report
    did not fail, or when another build of the same period is queued or running."""
    try:
        with transaction.atomic():
            report = SpendingReport.objects.select_for_update().get(pk=report.pk)
            if report.status != SpendingReport.Status.FAILED:
                raise ApplicationError(
                    _("Alleen een mislukte rapportage kan opnieuw worden gemaakt.")
                )
            _requeue(report, user=user)
    except IntegrityError:
        raise ApplicationError(
            _("Er wordt al een rapportage van deze periode gemaakt; wacht tot die klaar is.")
        ) from None
    return report


def _progress(report_id, progress, stage):
    SpendingReport.objects.filter(pk=report_id, status=SpendingReport.Status.RUNNING).update(
        progress=progress, stage=stage
    )


def report_build(
    *, report_id: int, workers: int | None = None, data: ReportData | None = None
) -> SpendingReport | None:
    """Build the files of one queued report; idempotent. The data are read and hashed first
    (the hash is part of the job, issue 14): equal to a finished version's, this row becomes
    "ongewijzigd" and points at it (``same_as``; nothing is rendered); otherwise it gets the next
    version number of its period and the PDF and XLSX are built from exactly the data hashed
    (reproducible: the hash printed in the report is the hash of what it shows). A report
    already done or failed is left alone (a redelivered message does nothing); a report whose
    previous attempt died mid-build is built again from scratch; too many attempts fail it with
    a reason instead of looping. ``data``: already collected by the caller (the command line).
    Returns the report row, or None when it no longer exists."""
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
        if data is None:
            data = collect_report_data(
                municipality=report.municipality, stream=report.stream, year=report.year
            )
        sha = data_sha256(data)
        report = _identify(report, sha)
        if report.status != SpendingReport.Status.RUNNING:
            return report  # unchanged data (or reaped meanwhile): nothing to build
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


def _identify(report, sha: str) -> SpendingReport:
    """Give the running ``report`` its data hash ``sha``: the finished version with the same
    hash makes it "ongewijzigd" (done, pointing at that version, its figures copied); other
    data give it the next version number of the period (kept when a retried attempt already
    has one). One build per period runs at a time (uniq_spending_report_pending), so the
    number cannot be taken by a parallel build."""
    with transaction.atomic():
        current = (
            SpendingReport.objects.select_for_update()
            .select_related("municipality", "stream")
            .get(pk=report.pk)
        )
        if current.status != SpendingReport.Status.RUNNING:
            return current
        period = SpendingReport.objects.filter(
            municipality_id=current.municipality_id, stream_id=current.stream_id
        ).filter(_year_q(current.year))
        same = period.filter(
            status=SpendingReport.Status.DONE, same_as__isnull=True, data_sha256=sha
        ).first()
        current.data_sha256 = sha
        if same is not None:
            current.same_as = same
            current.version = None
            current.status = SpendingReport.Status.DONE
            current.progress = 100
            current.stage = _("ongewijzigd: zelfde gegevens als versie %(v)s") % {"v": same.version}
            current.error = ""
            current.finished_at = timezone.now()
            current.line_count = same.line_count
            current.spending = same.spending
            current.save()
            return current
        if current.version is None:
            last = period.exclude(pk=current.pk).aggregate(v=Max("version"))["v"] or 0
            current.version = last + 1
        current.progress = 15
        current.stage = _("gegevens gecontroleerd (versie %(v)s)") % {"v": current.version}
        current.save(update_fields=["data_sha256", "version", "progress", "stage"])
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
    """Request and build in this process (the command line and the demo), with the same
    version rules as a request and its job: the finished version with the same data is
    returned as it is (no new row, nothing rebuilt); other data make the next version, built
    here from the data hashed. Raises ApplicationError for an invalid year."""
    _check_year(year)
    data = collect_report_data(municipality=municipality, stream=stream, year=year)
    existing = (
        SpendingReport.objects.filter(
            municipality=municipality,
            stream=stream,
            status=SpendingReport.Status.DONE,
            same_as__isnull=True,
            data_sha256=data_sha256(data),
        )
        .filter(_year_q(year))
        .first()
    )
    if existing is not None:
        return existing
    report, _created = report_request(
        municipality=municipality, stream=stream, year=year, user=user, enqueue=False
    )
    if report.status != SpendingReport.Status.DONE:
        report = report_build(report_id=report.pk, workers=workers, data=data)
    return report.source


def report_file(report: SpendingReport, kind: str) -> tuple[bytes, str]:
    """The stored bytes of ``kind`` ("pdf"/"xlsx") of a finished report (of the version it
    points at when its data were unchanged), checked against the stored SHA-256 (an altered
    file is refused, never served). Returns ``(bytes, file name)``; raises ApplicationError
    when the report is not finished or the file does not match its checksum."""
    if report.status != SpendingReport.Status.DONE:
        raise ApplicationError(_("Deze rapportage is nog niet klaar."))
    report = report.source
    stored = getattr(report, kind)
    with stored.open("rb") as f:
        payload = f.read()
    if _sha256(payload) != getattr(report, f"{kind}_sha256"):
        raise ApplicationError(
            _("Het opgeslagen bestand komt niet overeen met zijn controlegetal.")
        )
    return payload, stored.name.rsplit("/", 1)[-1]
