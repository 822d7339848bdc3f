"""The funding parts of the schools app's pages, through the panel registry
(``portal.dashboard``): the schools app knows nothing of activities or money (issue 9 §3).

- ``"school"`` slot: the school's own interventions, the municipal activities that reach it,
  which serious needs they cover, and the money spent on it per stream.
- ``"scan"`` slot: the interventions chosen in a scan (added and removed while it is a draft).
"""

from portal.dashboard import Panel
from schools.models import school_year_bounds
from schools.selectors import SERIOUS, scan_editable

from . import selectors


def school_panels(request, school, scans):
    """Panels for ``school``'s page. ``scans`` are the school's scans the page loaded (needs
    prefetched) or None when the user does not see scans; the coverage table reuses them, so
    the page's query count stays as it was."""
    access = request.access
    panels = []
    if access.has("activities.view"):
        interventions = list(selectors.own_interventions(school=school))
        reaching = selectors.reaching_activities(school=school)
        coverage = _coverage(scans, [*interventions, *reaching]) if scans is not None else None
        panels.append(
            Panel(
                "funding/panels/school_activities.html",
                {"interventions": interventions, "reaching": reaching, "coverage": coverage},
                order=20,
                wide=True,
            )
        )
    if access.has("funding.view") or access.has("funding.aggregate"):
        spending = selectors.spending_per_stream(school=school)
        panels.append(
            Panel(
                "funding/panels/school_spending.html",
                {
                    "spending": spending,
                    "spending_total": sum((row["total"] for row in spending), start=0),
                },
                order=30,
                wide=True,
            )
        )
    return panels


def scan_panels(request, scan):
    """The interventions chosen in ``scan``, with add/remove for its director while a draft.
    Everyone who sees the scan page sees them (as before they moved to funding)."""
    return [
        Panel(
            "funding/panels/scan_interventions.html",
            {
                "scan": scan,
                "interventions": list(selectors.scan_interventions(scan=scan)),
                "editable": scan_editable(access=request.access, scan=scan),
            },
            order=10,
            wide=True,
        )
    ]


def _coverage(scans, activities):
    """Per serious need (moderate/severe) of each scan: the activities reaching the school on
    that theme during that school year, or none (a gap, checks.md G1). A list of
    ``(school_year, need, [activity, ...])``, computed in memory on what the page loaded."""
    rows = []
    for scan in scans:
        start, end = school_year_bounds(scan.school_year)
        for need in scan.needs.all():
            if need.severity in SERIOUS:
                covering = [
                    a
                    for a in activities
                    if need.theme in a.themes and a.start <= end and start <= a.end
                ]
                rows.append((scan.school_year, need, covering))
    return rows
