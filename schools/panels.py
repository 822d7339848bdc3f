"""Dashboard panels and navigation of the schools app (registered in SchoolsConfig.ready)."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.dashboard import Panel, request_memo
from portal.navigation import NavItem

from . import selectors
from .models import Scan, current_school_year

NAVIGATION = [
    NavItem(_("Scholen"), "schools:school_list", "schools.view", order=10),
    NavItem(_("Schoolscans"), "schools:scan_list", "scans.view", order=11),
]


def scan_round_of(request, municipality) -> str:
    """:func:`selectors.scan_round` of ``municipality``, read once per request (the schools and
    the funding panel of the dashboard both show it)."""
    return request_memo(
        request,
        ("scan_round", municipality.pk),
        lambda: selectors.scan_round(municipality=municipality),
    )


def dashboard_panels(request):
    """Per role: the policy officer's scan status and top themes, the director's own scans,
    the LEA chair's and regional coordinator's aggregate themes (counts only)."""
    access = request.access
    panels = []
    if access.region is not None:
        if access.has("scans.aggregate"):
            year = selectors.scan_round()
            panels.append(
                Panel(
                    "schools/partials/panel_themes.html",
                    {
                        "school_year": year,
                        "themes": selectors.theme_counts(school_year=year)[:8],
                        "region": access.region,
                        # a count of fewer schools than this would point at single schools
                        "threshold": settings.PORTAL_SMALL_NUMBER_THRESHOLD,
                    },
                    order=40,
                )
            )
        return panels
    year = scan_round_of(request, access.municipality)
    if access.has("scans.review"):
        overview = selectors.overview_summary(municipality=access.municipality, school_year=year)
        panels.append(
            Panel(
                "schools/partials/panel_scans.html",
                {"overview": overview, "school_year": year},
                order=10,
            )
        )
    elif access.has("scans.aggregate"):
        themes = selectors.theme_counts(school_year=year, municipality=access.municipality)
        panels.append(
            Panel(
                "schools/partials/panel_themes.html",
                {"school_year": year, "themes": themes[:8]},
                order=40,
            )
        )
    if access.school_ids and access.has("scans.change"):
        # A director is asked for this school year's scan, whatever the municipality's round.
        year = current_school_year()
        scans = (
            selectors.scans(access=access)
            .filter(school_id__in=access.school_ids)
            .prefetch_related("comments")
            .order_by("-school_year", "school__name")[:6]
        )
        schools = selectors.schools(access=access).filter(id__in=access.school_ids)
        with_scan = {scan.school_id for scan in scans if scan.school_year == year}
        panels.append(
            Panel(
                "schools/partials/panel_director.html",
                {
                    "scans": scans,
                    "school_year": year,
                    "missing": [s for s in schools if s.id not in with_scan],
                    "Status": Scan.Status,
                },
                order=10,
            )
        )
    return panels
