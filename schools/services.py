"""Writes of the schools app: school edits, imports, the scan workflow and scan documents (the
school's own interventions are funding's: funding.services.interventions). Every function
raises ApplicationError with a message a school director understands, and writes the audit
trail."""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import uploads
from portal.audit import audit_log, diff
from portal.domain import Severity, Theme
from portal.exceptions import ApplicationError
from portal.models import Municipality
from portal.records import RecordFields

from .imports.duo import SchoolImporter
from .imports.needs import NeedImporter
from .imports.weights import SchoolWeightImporter
from .models import SCHOOL_FIELDS, Need, Scan, ScanComment, ScanDocument, School, school_year_bounds

MAX_DOCUMENT_SIZE = 20 * 1024 * 1024


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


def schools_import(
    *, actor, municipality, source, filename=None, sector=None, dry_run=False, progress=None
):
    """Import DUO school locations of ``municipality`` (browser): all-or-nothing.
    ``progress(rows)`` is called while the file is read."""
    importer = SchoolImporter(sector=sector or None, municipality=municipality)
    result = importer.run(source, filename=filename, dry_run=dry_run, progress=progress)
    if result.ok and not dry_run:
        audit_log(
            actor=actor,
            action="schools.import",
            obj=municipality,
            municipality=municipality,
            reason=f"{filename or ''}: {result.summary}",
        )
    return result


def weights_import(
    *, actor, municipality, source, school_year, filename=None, dry_run=False, progress=None
):
    """Import the CBS schoolweging of the schools of ``municipality`` for one school year."""
    importer = SchoolWeightImporter(school_year=school_year, municipality=municipality)
    result = importer.run(source, filename=filename, dry_run=dry_run, progress=progress)
    if result.ok and not dry_run:
        audit_log(
            actor=actor,
            action="weights.import",
            obj=municipality,
            municipality=municipality,
            reason=f"{filename or ''} ({school_year}): {result.summary}",
        )
    return result


def needs_import(*, actor, municipality, source, filename=None, dry_run=False, progress=None):
    """Import scan needs of the schools of ``municipality`` (browser): all-or-nothing."""
    result = NeedImporter(municipality=municipality).run(
        source, filename=filename, dry_run=dry_run, progress=progress
    )
    if result.ok and not dry_run:
        audit_log(
            actor=actor,
            action="needs.import",
            obj=municipality,
            municipality=municipality,
            reason=f"{filename or ''}: {result.summary}",
        )
    return result


def command_import_record(*, action: str, result, filename) -> int:
    """Record a saved command-line import (``manage.py import_schools`` / ``import_needs``,
    which may cover many municipalities) in the audit trail once per municipality it touched,
    as the browser imports do, so their checks run again (funding.freshness, issue 10 §3).
    ``action`` is ``schools.import`` or ``needs.import``; ``result`` the importer's
    ImportResult. Returns the number of municipalities recorded."""
    codes = {row["gemeentenummer"] for row in result.rows if row.get("gemeentenummer")}
    ids = {row["municipality_id"] for row in result.rows if row.get("municipality_id")}
    municipalities = Municipality.objects.filter(Q(code__in=codes) | Q(pk__in=ids)).order_by("pk")
    count = 0
    for municipality in municipalities:
        audit_log(
            actor=None,
            action=action,
            obj=municipality,
            municipality=municipality,
            reason=f"manage.py {filename}: {result.summary}",
        )
        count += 1
    return count


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


@dataclass(frozen=True, kw_only=True)
class NeedEntry(RecordFields):
    """A scan's need on one theme as the school enters it (product.md capability 3):
    ``severity`` a Severity code, "" for none (a stored need on the theme is removed);
    ``share_of_pupils`` the percentage of pupils concerned, 0-100 as a Decimal, or None;
    ``note`` the school's explanation."""

    decimals: ClassVar = ("share_of_pupils",)  # percent

    severity: str = ""
    share_of_pupils: Decimal | None = None
    note: str = ""


@transaction.atomic
def scan_needs_save(*, actor, scan: Scan, needs: Mapping[str, NeedEntry]) -> Scan:
    """Set the scan's needs: ``{theme code: NeedEntry}``; a theme left out (or without a
    severity) is removed. Draft scans only. Raises ApplicationError for an unknown theme or
    severity, a share outside 0-100% or a scan that is no longer a draft."""
    scan = _locked(scan)
    _require_draft(scan)
    existing = {n.theme: n for n in scan.needs.all()}
    changes = {}
    for theme, entry in needs.items():
        if theme not in Theme.values:
            raise ApplicationError(_("Onbekend thema: %s") % theme)
        severity = entry.severity
        if not severity:
            continue
        if severity not in Severity.values:
            raise ApplicationError(_("Onbekende ernst: %s") % severity)
        share = entry.share_of_pupils
        if share is not None and not Decimal(0) <= share <= Decimal(100):
            raise ApplicationError(_("Het aandeel leerlingen ligt tussen 0 en 100%."))
        data = entry.values()
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
        if theme not in needs or not needs[theme].severity:
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
    _answered(scan, actor=actor, kind=ScanComment.Kind.REVIEWED, comment=comment)
    return scan


def _answered(scan: Scan, *, actor, kind, comment: str) -> None:
    """Keep the policy officer's comment on a submitted scan with it (the school reads it on
    the scan page) and write the status change to the audit trail."""
    comment = comment.strip()
    if comment:
        ScanComment.objects.create(scan=scan, kind=kind, text=comment, author=actor)
    audit_log(
        actor=actor,
        action="scan.review" if kind == ScanComment.Kind.REVIEWED else "scan.return",
        obj=scan,
        changes={"status": ["submitted", scan.status]},
        reason=comment,
    )


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
    _answered(scan, actor=actor, kind=ScanComment.Kind.RETURNED, comment=comment)
    return scan


# --- scan documents ----------------------------------------------------------


def detect_document_kind(file) -> str:
    """``pdf``, ``docx`` or ``xlsx`` by content, whatever the file is called; else
    ApplicationError. The shared content check (portal.uploads.document_kind) also refuses
    zip bombs, packages holding web pages or scripts and PDFs with JavaScript."""
    try:
        kind = uploads.document_kind(file)
    except uploads.UploadError as error:
        if error.code == "empty":
            raise ApplicationError(_("Het bestand is leeg.")) from None
        if error.code in ("bomb", "too_large", "active"):
            raise ApplicationError(str(error)) from None
        kind = None
    if kind in ("pdf", "docx", "xlsx"):
        return kind
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
