"""Panels the meetings app adds to pages it does not own (portal.dashboard)."""

from portal.dashboard import Panel
from portal.models import Role

from . import selectors


def dashboard_panels(request):
    """Municipality home: open/overdue actions and the next meeting (LEA chair, policy
    officer), a director's own actions; region home: the regional meetings and actions."""
    access = getattr(request, "access", None)
    if (
        access is None
        or not access.has("meetings.view")
        or not selectors.sees_tenant_meetings(access)
    ):
        return []
    summary = selectors.dashboard_summary(access=access, user=request.user)
    if access.region is not None:
        return [Panel("meetings/partials/dashboard_region.html", summary, order=40)]
    if access.roles & {Role.POLICY_OFFICER, Role.LEA_CHAIR}:
        return [Panel("meetings/partials/dashboard_chair.html", summary, order=40)]
    if Role.SCHOOL_DIRECTOR in access.roles:
        return [Panel("meetings/partials/dashboard_director.html", summary, order=40)]
    # Accountants read meetings, not actions: only the next meeting.
    return [Panel("meetings/partials/dashboard_next_meeting.html", summary, order=60)]


def school_panels(request, school, scans=None):
    """The action items that concern a school, for the school's page (``scans``: unused)."""
    access = getattr(request, "access", None)
    if (
        access is None
        or not access.has("actions.view")
        or not selectors.sees_tenant_meetings(access)
    ):
        return []
    actions = list(selectors.school_actions(access=access, user=request.user, school=school)[:20])
    return [
        Panel(
            "meetings/partials/school_actions.html",
            {"school": school, "actions": actions},
            order=60,
            wide=True,
        )
    ]
