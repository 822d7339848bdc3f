"""A school's own interventions, chosen in its scan (scans.md): school-owned Activity rows
attached to a draft scan (``Activity.scans``). Funding owns the relation because it depends on
schools, not the other way round (issue 9 §3). Raises ApplicationError; writes the audit trail
on the scan, as before the move."""

from django.db import transaction
from django.utils.translation import gettext as _

from portal.audit import audit_log, diff
from portal.domain import Menukaart, Theme
from portal.exceptions import ApplicationError
from portal.formatting import format_money
from schools.models import Scan
from schools.services import scan_lock_draft

from ..models import Activity, FundingLine


def _next_intervention_code(school, school_year):
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
    scan = scan_lock_draft(scan=scan)
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
            [f"{ln.stream.code}: {format_money(ln.amount)}" for ln in lines],
            [f"{stream.code}: {format_money(planned_cost)}"],
        ]
    scan.interventions.add(activity)
    if changes:
        audit_log(actor=actor, action="scan.intervention_save", obj=scan, changes=changes)
    return activity


@transaction.atomic
def scan_intervention_delete(*, actor, scan: Scan, activity) -> None:
    """Remove a chosen intervention from a draft scan (and the school-owned activity)."""
    scan = scan_lock_draft(scan=scan)
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
