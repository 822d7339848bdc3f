"""Writes of the schools app: school edits, imports, the scan workflow and scan documents (the
school's own interventions are funding's: funding.services.interventions). Every function
raises ApplicationError with a message a school director understands, and writes the audit
trail."""

import hashlib
import zipfile
from decimal import Decimal

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_log, diff
from portal.domain import Severity, Theme
from portal.exceptions import ApplicationError
from portal.jobs import enqueue

from .imports import NeedImporter, SchoolImporter, SchoolWeightImporter
from .models import ImportJob, Need, Scan, ScanComment, ScanDocument, School, school_year_bounds

MAX_DOCUMENT_SIZE = 20 * 1024 * 1024

SCHOOL_FIELDS = [
    "name",
    "sector",
    "board_number",
    "swv_code",
    "street",
    "house_number",
    "postcode",
    "city",
    "denomination",
    "pupil_count",
]


# --- schools -----------------------------------------------------------------


def school_update(*, actor, school: School, **fields) -> School:
    """Change a school's registered data (policy officer): ``fields`` by name, any of
    SCHOOL_FIELDS (the location code stays). Raises ValidationError for invalid values,
    TypeError for another name."""
    if unknown := set(fields) - set(SCHOOL_FIELDS):
        raise TypeError(f"school_update() cannot change {sorted(unknown)}")
    data = fields
    changes = diff(school, data)
    if not changes:
        return school
    for name, value in data.items():
        setattr(school, name, value)
    school.full_clean()
    school.save(update_fields=list(changes))
    audit_log(actor=actor, action="school.update", obj=school, changes=changes)
    return school


def schools_import(*, actor, municipality, source, filename=None, sector=None, dry_run=False):
    """Import DUO school locations of ``municipality`` (browser): all-or-nothing."""
    importer = SchoolImporter(sector=sector, municipality=municipality)
    result = importer.run(source, filename=filename, dry_run=dry_run)
    if result.ok and not dry_run:
        audit_log(
            actor=actor,
            action="schools.import",
            obj=municipality,
            municipality=municipality,
            reason=f"{filename or ''}: {result.summary}",
        )
    return result


def weights_import(*, actor, municipality, source, school_year, filename=None, dry_run=False):
    """Import the CBS schoolweging of the schools of ``municipality`` for one school year."""
    importer = SchoolWeightImporter(school_year=school_year, municipality=municipality)
    result = importer.run(source, filename=filename, dry_run=dry_run)
    if result.ok and not dry_run:
        audit_log(
            actor=actor,
            action="weights.import",
            obj=municipality,
            municipality=municipality,
            reason=f"{filename or ''} ({school_year}): {result.summary}",
        )
    return result


def needs_import(*, actor, municipality, source, filename=None, dry_run=False):
    """Import scan needs of the schools of ``municipality`` (browser): all-or-nothing."""
    result = NeedImporter(municipality=municipality).run(source, filename=filename, dry_run=dry_run)
    if result.ok and not dry_run:
        audit_log(
            actor=actor,
            action="needs.import",
            obj=municipality,
            municipality=municipality,
            reason=f"{filename or ''}: {result.summary}",
        )
    return result


# --- browser imports as background jobs ----------------------------------------

# Uploads waiting between preview and confirm (and for their job), in private storage.
IMPORT_UPLOADS = "imports/schools"


def import_uploads_cleanup(*, older_than) -> int:
    """Delete uploads whose preview was never confirmed (private data must not linger);
    files of queued or running jobs stay. Returns the number deleted."""
    try:
        _dirs, files = default_storage.listdir(IMPORT_UPLOADS)
    except FileNotFoundError:
        return 0
    waiting = set(
        ImportJob.objects.filter(
            status__in=[ImportJob.Status.PENDING, ImportJob.Status.RUNNING]
        ).values_list("path", flat=True)
    )
    deleted = 0
    for name in files:
        path = f"{IMPORT_UPLOADS}/{name}"
        if path not in waiting and default_storage.get_modified_time(path) < older_than:
            default_storage.delete(path)
            deleted += 1
    return deleted


def _import_function(kind):
    return {
        ImportJob.Kind.SCHOOLS: schools_import,
        ImportJob.Kind.WEIGHTS: weights_import,
        ImportJob.Kind.NEEDS: needs_import,
    }[kind]


def import_job_create(*, actor, municipality, kind, path, filename, options=None) -> ImportJob:
    """Queue a confirmed import of the file waiting at ``path`` (private storage). The job
    starts once this transaction commits."""
    job = ImportJob.objects.create(
        municipality=municipality,
        kind=kind,
        path=path,
        filename=filename,
        options=options or {},
        created_by=actor,
    )
    enqueue("schools.tasks.import_job_run", job.pk, municipality=municipality)
    return job


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
        job.status = ImportJob.Status.RUNNING
        job.save(update_fields=["status"])
    try:
        with default_storage.open(job.path, "rb") as file:
            result = _import_function(job.kind)(
                actor=job.created_by,
                municipality=job.municipality,
                source=file,
                filename=job.filename,
                **job.options,
            )
    except FileNotFoundError:
        job.status, job.errors = (
            ImportJob.Status.FAILED,
            [_("Het bestand is niet meer beschikbaar; upload het opnieuw.")],
        )
    else:
        job.status = ImportJob.Status.DONE if result.ok else ImportJob.Status.FAILED
        job.summary = str(result.summary) if result.ok else ""
        job.errors = result.error_lines()[:1000]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "summary", "errors", "finished_at"])
    default_storage.delete(job.path)
    return job


# --- scans -------------------------------------------------------------------


def _locked(scan: Scan) -> Scan:
    """Re-read the scan under a row lock, so two clicks cannot both move the workflow."""
    return Scan.objects.select_for_update().get(pk=scan.pk)


def _require_draft(scan: Scan):
    if scan.status != Scan.Status.DRAFT:
        raise ApplicationError(_("Deze scan is al ingediend en kan niet meer worden gewijzigd."))


def scan_lock_draft(*, scan: Scan) -> Scan:
    """``scan`` re-read under a row lock (call inside a transaction) for a change that only a
    draft allows, such as its interventions (funding.services.interventions). Raises
    ApplicationError when it is no longer a draft (scans.md workflow)."""
    scan = _locked(scan)
    _require_draft(scan)
    return scan


def scan_create(*, actor, school: School, school_year: str) -> Scan:
    """Start a draft scan for a school and school year (one per school and year)."""
    try:
        school_year_bounds(school_year)
    except ValueError:
        raise ApplicationError(_("Een schooljaar schrijft u als 2023-2024.")) from None
    if Scan.objects.filter(school=school, school_year=school_year).exists():
        raise ApplicationError(
            _("Voor %(school)s bestaat al een scan voor %(year)s.")
            % {"school": school.name, "year": school_year}
        )
    scan = Scan.objects.create(
        school=school, municipality_id=school.municipality_id, school_year=school_year
    )
    audit_log(actor=actor, action="scan.create", obj=scan)
    return scan


@transaction.atomic
def scan_needs_save(*, actor, scan: Scan, needs: dict) -> Scan:
    """Set the scan's needs: ``{theme: {"severity", "share_of_pupils", "note"}}``; a theme
    left out (or without severity) is removed. Draft scans only."""
    scan = _locked(scan)
    _require_draft(scan)
    existing = {n.theme: n for n in scan.needs.all()}
    changes = {}
    for theme, values in needs.items():
        if theme not in Theme.values:
            raise ApplicationError(_("Onbekend thema: %s") % theme)
        severity = values.get("severity")
        if not severity:
            continue
        if severity not in Severity.values:
            raise ApplicationError(_("Onbekende ernst: %s") % severity)
        share = values.get("share_of_pupils")
        if share is not None and not Decimal(0) <= Decimal(share) <= Decimal(100):
            raise ApplicationError(_("Het aandeel leerlingen ligt tussen 0 en 100%."))
        data = {"severity": severity, "share_of_pupils": share, "note": values.get("note") or ""}
        need = existing.pop(theme, None)
        if need is None:
            Need.objects.create(scan=scan, theme=theme, **data)
            changes[theme] = [None, severity]
        else:
            if diff(need, data):
                changes[theme] = [need.severity, severity]
                for name, value in data.items():
                    setattr(need, name, value)
                need.save()
    for theme, need in existing.items():
        if theme not in needs or not needs[theme].get("severity"):
            need.delete()
            changes[theme] = [need.severity, None]
    if changes:
        audit_log(actor=actor, action="scan.needs_update", obj=scan, changes=changes)
    return scan


@transaction.atomic
def scan_submit(*, actor, scan: Scan) -> Scan:
    """Draft -> submitted: from now on the municipality sees the scan."""
    scan = _locked(scan)
    _require_draft(scan)
    if not scan.needs.exists():
        raise ApplicationError(
            _("Vul eerst de behoeften per thema in; een lege scan kan niet worden ingediend.")
        )
    scan.status, scan.submitted_at, scan.submitted_by = Scan.Status.SUBMITTED, timezone.now(), actor
    scan.save(update_fields=["status", "submitted_at", "submitted_by", "updated_at"])
    audit_log(
        actor=actor, action="scan.submit", obj=scan, changes={"status": ["draft", "submitted"]}
    )
    return scan


@transaction.atomic
def scan_review(*, actor, scan: Scan, comment: str = "") -> Scan:
    """Submitted -> reviewed (policy officer), with an optional comment for the school."""
    scan = _locked(scan)
    if scan.status != Scan.Status.SUBMITTED:
        raise ApplicationError(_("Alleen een ingediende scan kan worden beoordeeld."))
    scan.status, scan.reviewed_at, scan.reviewed_by = Scan.Status.REVIEWED, timezone.now(), actor
    scan.save(update_fields=["status", "reviewed_at", "reviewed_by", "updated_at"])
    if comment.strip():
        ScanComment.objects.create(
            scan=scan, kind=ScanComment.Kind.REVIEWED, text=comment.strip(), author=actor
        )
    audit_log(
        actor=actor,
        action="scan.review",
        obj=scan,
        changes={"status": ["submitted", "reviewed"]},
        reason=comment.strip(),
    )
    return scan


@transaction.atomic
def scan_return(*, actor, scan: Scan, comment: str) -> Scan:
    """Submitted -> back to draft with a comment saying what the school must change; the
    comment is kept with the scan."""
    if not (comment or "").strip():
        raise ApplicationError(_("Schrijf bij het terugsturen wat de school moet aanpassen."))
    scan = _locked(scan)
    if scan.status != Scan.Status.SUBMITTED:
        raise ApplicationError(_("Alleen een ingediende scan kan worden teruggestuurd."))
    scan.status = Scan.Status.DRAFT
    scan.save(update_fields=["status", "updated_at"])
    ScanComment.objects.create(
        scan=scan, kind=ScanComment.Kind.RETURNED, text=comment.strip(), author=actor
    )
    audit_log(
        actor=actor,
        action="scan.return",
        obj=scan,
        changes={"status": ["submitted", "draft"]},
        reason=comment.strip(),
    )
    return scan


# --- scan documents ----------------------------------------------------------


def detect_document_kind(file) -> str:
    """``pdf``, ``docx`` or ``xlsx`` by content, whatever the file is called; else
    ApplicationError. DOCX and XLSX are zip packages with ``[Content_Types].xml`` and a
    ``word/`` resp. ``xl/`` part."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if not head:
        raise ApplicationError(_("Het bestand is leeg."))
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(file) as package:
                names = package.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            names = []
        finally:
            file.seek(0)
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                return "docx"
            if any(n.startswith("xl/") for n in names):
                return "xlsx"
    raise ApplicationError(
        _(
            "Dit bestand is geen PDF-, Word- (.docx) of Excel-bestand (.xlsx). Sla de scan op in een van die vormen."
        )
    )


@transaction.atomic
def scan_document_upload(*, actor, scan: Scan, upload) -> ScanDocument:
    """Store a new version of the scan document (PDF, DOCX or XLSX, at most 20 MB), privately
    and under a random name; earlier versions are kept."""
    scan = _locked(scan)
    _require_draft(scan)
    size = upload.size
    if not size:
        raise ApplicationError(_("Het bestand is leeg."))
    if size > MAX_DOCUMENT_SIZE:
        raise ApplicationError(
            _(
                "Het bestand is groter dan 20 MB. Verklein het (bijvoorbeeld als PDF) en probeer opnieuw."
            )
        )
    kind = detect_document_kind(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    version = (scan.documents.aggregate(v=Max("version"))["v"] or 0) + 1
    original = (
        (getattr(upload, "name", "") or f"schoolscan.{kind}")
        .replace("\\", "/")
        .rsplit("/", 1)[-1][:255]
    )
    document = ScanDocument(
        scan=scan,
        version=version,
        original_name=original,
        kind=kind,
        size=size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    document.file.save(original, upload, save=False)
    try:
        document.save()
    except Exception:
        document.file.delete(save=False)
        raise
    audit_log(
        actor=actor,
        action="scan.document_upload",
        obj=scan,
        changes={"document": [None, f"{original} (v{version}, {kind}, {size} bytes)"]},
    )
    return document
