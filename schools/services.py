"""Writes of the schools app: school edits, imports, the scan workflow, scan documents and the
school's own interventions. Every function raises ApplicationError with a message a school
director understands, and writes the audit trail."""

import hashlib
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import uploads
from portal.audit import audit_log, diff
from portal.domain import Menukaart, Severity, Theme
from portal.exceptions import ApplicationError
from portal.models import Municipality

from .imports import NeedImporter, SchoolImporter, SchoolWeightImporter
from .models import Need, Scan, ScanComment, ScanDocument, School, school_year_bounds

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


def school_update(*, actor, school: School, data: dict) -> School:
    """Change a school's registered data (policy officer); the location code stays."""
    data = {k: v for k, v in data.items() if k in SCHOOL_FIELDS}
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


# --- the school's own interventions ------------------------------------------


def _next_intervention_code(school, school_year):
    from funding.models import Activity

    taken = set(Activity.objects.filter(owner_school=school).values_list("code", flat=True))
    n = 1
    while f"SCAN-{school_year[:4]}-{n}" in taken:
        n += 1
    return f"SCAN-{school_year[:4]}-{n}"


@transaction.atomic
def scan_intervention_save(
    *,
    actor,
    scan: Scan,
    name: str,
    menukaart: str,
    themes: list,
    stream,
    start,
    end,
    planned_cost=None,
    code: str | None = None,
    partner: str = "",
    description: str = "",
):
    """Create (or, by ``code``, update) one of the school's chosen interventions as a
    school-owned funding Activity with one funding line, and attach it to the scan.

    One Activity model for municipal and school interventions, so the overlap and gap checks
    see both; the code is the natural key within the school (as in import_activities).
    """
    from funding.models import Activity, FundingLine

    scan = _locked(scan)
    _require_draft(scan)
    school = scan.school
    themes = sorted(set(themes or []))
    if not themes:
        raise ApplicationError(_("Kies minstens één thema."))
    if unknown := [t for t in themes if t not in Theme.values]:
        raise ApplicationError(_("Onbekend thema: %s") % ", ".join(unknown))
    if menukaart not in Menukaart.values:
        raise ApplicationError(_("Kies een categorie van de menukaart (A-F)."))
    if start and end and end < start:
        raise ApplicationError(_("De einddatum ligt vóór de begindatum."))
    if not stream.allows_sector(school.sector):
        raise ApplicationError(
            _("%(stream)s is niet bedoeld voor sector %(sector)s.")
            % {"stream": stream.code, "sector": school.sector}
        )
    if planned_cost is not None and planned_cost < 0:
        raise ApplicationError(_("De geplande kosten kunnen niet negatief zijn."))
    others = scan.interventions.exclude(code=code or "")
    if menukaart == Menukaart.F and not others.exclude(menukaart=Menukaart.F).exists():
        raise ApplicationError(_("Menukaart F kiest u alleen samen met een interventie uit A-E."))

    activity = Activity.objects.filter(owner_school=school, code=code).first() if code else None
    data = {
        "name": name,
        "menukaart": menukaart,
        "themes": themes,
        "start": start,
        "end": end,
        "planned_cost": planned_cost,
        "partner": partner,
        "description": description,
    }
    if activity is None:
        activity = Activity.objects.create(
            municipality_id=school.municipality_id,
            owner_school=school,
            code=code or _next_intervention_code(school, scan.school_year),
            **data,
        )
        changes = {"intervention": [None, f"{activity.code}: {name}"]}
    else:
        changes = diff(activity, data)
        for field, value in data.items():
            setattr(activity, field, value)
        activity.save()
    lines = list(activity.funding_lines.all())
    if [(ln.stream_id, ln.amount) for ln in lines] != [(stream.id, planned_cost)]:
        activity.funding_lines.exclude(stream=stream).delete()
        FundingLine.objects.update_or_create(
            activity=activity, stream=stream, defaults={"amount": planned_cost}
        )
        changes["funding"] = [
            [f"{ln.stream.code}:{ln.amount}" for ln in lines],
            [f"{stream.code}:{planned_cost}"],
        ]
    scan.interventions.add(activity)
    if changes:
        audit_log(actor=actor, action="scan.intervention_save", obj=scan, changes=changes)
    return activity


@transaction.atomic
def scan_intervention_delete(*, actor, scan: Scan, activity) -> None:
    """Remove a chosen intervention from a draft scan (and the school-owned activity)."""
    scan = _locked(scan)
    _require_draft(scan)
    if activity.owner_school_id != scan.school_id:
        raise ApplicationError(_("Deze activiteit is geen interventie van de school."))
    label = f"{activity.code}: {activity.name}"
    activity.delete()
    audit_log(
        actor=actor,
        action="scan.intervention_delete",
        obj=scan,
        changes={"intervention": [label, None]},
    )
