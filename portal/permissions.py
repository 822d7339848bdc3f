"""Who may do what (roles.md), in one place.

A permission is ``"<area>.<action>"``. Views declare the one they need (``permission = ...``
on :class:`PortalViewMixin`, or :func:`portal_permission` on a function view). A user who holds
no permission at all in the area gets **404**: the area does not exist for them, and objects are
not revealed. A user who may see the area but not take this action gets **403** (roles.md).
Which objects inside an area a user sees (a director: their own school) is the selectors' job.

An object the user may not see answers 404 even where the action on it would be denied (issue
13 §4): each app registers, per URL keyword naming an object (``meeting_id``), the objects a
request may see (:func:`register_visible`); on a denial the mixin and the decorator look the
object up there first (:func:`hide_unseen`), so a 403 only ever confirms an object the user
could open anyway.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404

from .models import Role

# Short names for the matrix; the comments quote roles.md's letters (P, D, L, A, C).
OFFICER = Role.POLICY_OFFICER
DIRECTOR = Role.SCHOOL_DIRECTOR
CHAIR = Role.LEA_CHAIR
ACCOUNTANT = Role.ACCOUNTANT
COORDINATOR = Role.REGIONAL_COORDINATOR

# permission -> roles that hold it. Comments quote the roles.md row.
MATRIX: dict[str, set[str]] = {
    # every member of a municipality has a home page there
    "dashboard.view": {OFFICER, DIRECTOR, CHAIR, ACCOUNTANT, COORDINATOR},
    # schools of the municipality: P "R W, import"; D "R own school(s)"; L R; A R; C agg
    "schools.view": {OFFICER, DIRECTOR, CHAIR, ACCOUNTANT},
    "schools.change": {OFFICER},
    "schools.import": {OFFICER},
    "schools.aggregate": {OFFICER, CHAIR, ACCOUNTANT, COORDINATOR},
    # school scans (submitted): P "R, review / return"; D "R W own school"; L/C agg
    "scans.view": {OFFICER, DIRECTOR},
    "scans.change": {DIRECTOR},
    "scans.review": {OFFICER},
    "scans.import": {OFFICER},
    "scans.aggregate": {OFFICER, CHAIR, COORDINATOR},
    # scan documents: P R (submitted only); D R W own
    "scandocs.view": {OFFICER, DIRECTOR},
    "scandocs.change": {DIRECTOR},
    # grants, expenditures: P "R W, import"; A R; L/C agg per stream
    "funding.view": {OFFICER, ACCOUNTANT},
    "funding.change": {OFFICER},
    "funding.import": {OFFICER},
    "funding.aggregate": {OFFICER, ACCOUNTANT, CHAIR, COORDINATOR},
    # activities: P "R W, import"; D R those reaching own school, W own interventions; L R; A R
    "activities.view": {OFFICER, DIRECTOR, CHAIR, ACCOUNTANT},
    "activities.change": {OFFICER, DIRECTOR},
    "activities.import": {OFFICER},
    # check findings: P "R, justify / resolve, run checks"; A "R, run checks"
    "findings.view": {OFFICER, ACCOUNTANT},
    "findings.review": {OFFICER},
    "findings.run": {OFFICER, ACCOUNTANT},
    # sign-off of lines (F6): A W
    "signoff.change": {ACCOUNTANT},
    # spending reports: P, A request, download
    "reports.view": {OFFICER, ACCOUNTANT},
    "reports.request": {OFFICER, ACCOUNTANT},
    "reports.finalise": {ACCOUNTANT},
    "reports.reopen": {OFFICER},
    # meetings, agenda, minutes: P R W; D R (taking part); L R W; A R; C R W regional
    "meetings.view": {OFFICER, DIRECTOR, CHAIR, ACCOUNTANT, COORDINATOR},
    "meetings.change": {OFFICER, CHAIR, COORDINATOR},
    # action items: P R W; D R W status/notes of own; L R W; C R W regional
    "actions.view": {OFFICER, DIRECTOR, CHAIR, COORDINATOR},
    "actions.change": {OFFICER, CHAIR, COORDINATOR},
    "actions.update_own": {OFFICER, DIRECTOR, CHAIR, COORDINATOR},
    # audit trail: P R; A R
    "audit.view": {OFFICER, ACCOUNTANT},
    # members of the municipality: P invite, change roles
    "members.view": {OFFICER},
    "members.invite": {OFFICER},
}


def permissions_for(roles) -> frozenset[str]:
    roles = set(roles)
    return frozenset(perm for perm, holders in MATRIX.items() if holders & roles)


def grants_for(roles, *, region: bool = False) -> dict[str, frozenset]:
    """``{permission: the user's roles that grant it}``.

    Rights do not add up across roles beyond what each role grants on its own: on a
    municipality's pages a regional coordinator (who reaches it through the region) keeps only
    the aggregate figures, and on region pages only the coordinator role counts."""
    roles = set(roles)
    if region:
        roles &= {COORDINATOR}
    grants = {}
    for perm, holders in MATRIX.items():
        granting = holders & roles
        if (
            not region
            and COORDINATOR in granting
            and not (perm.endswith(".aggregate") or perm == "dashboard.view")
        ):
            granting = granting - {COORDINATOR}
        if granting:
            grants[perm] = frozenset(granting)
    return grants


@dataclass
class Access:
    """What the current user may do in the current tenant; set on ``request.access`` by
    :class:`portal.middleware.TenantMiddleware`."""

    municipality: object = None
    region: object = None
    roles: frozenset = frozenset()
    # Ids of the schools a director holds (only meaningful with the director role).
    school_ids: frozenset = frozenset()
    # permission -> the roles of this user that grant it (grants_for).
    grants: dict = field(default_factory=dict)

    @property
    def tenant(self):
        """The Region for a region's pages, else the Municipality."""
        return self.region or self.municipality

    @property
    def permissions(self) -> frozenset:
        return frozenset(self.grants)

    def has(self, permission: str) -> bool:
        return permission in self.grants

    def own_schools_only(self, permission: str) -> bool:
        """Whether ``permission`` reaches this user only through the director role, and so
        covers only their own school(s). A director who is also LEA chair reads what the chair
        reads, but changes only what a director may change."""
        return self.grants.get(permission) == frozenset({DIRECTOR})

    def sees_area(self, permission: str) -> bool:
        area = permission.split(".", 1)[0] + "."
        return any(p.startswith(area) for p in self.permissions)

    def require(self, permission: str) -> None:
        """Raise 404 when the area is hidden from this user, 403 when only the action is."""
        if permission not in MATRIX:
            raise ImproperlyConfigured(f"Unknown permission {permission!r}")
        if self.has(permission):
            return
        if self.sees_area(permission):
            raise PermissionDenied
        raise Http404


# URL keyword naming an object -> function(request) -> queryset of those the request may see.
_VISIBLE: dict[str, Callable] = {}


def register_visible(kwarg: str, visible: Callable) -> None:
    """Register which objects a URL keyword may name for a request.

    ``kwarg`` is the keyword of the municipal route (``meeting_id``); its regional twin
    (``region_meeting_id``) uses the same entry. ``visible(request)`` returns a queryset of the
    objects the request's user may see (the selectors' rules, inside the tenant scope). Called
    from the apps' ``ready()``; raises ImproperlyConfigured when a keyword is registered twice
    with a different function."""
    known = _VISIBLE.get(kwarg)
    if known is not None and known is not visible:
        raise ImproperlyConfigured(f"URL keyword {kwarg!r} is registered twice.")
    _VISIBLE[kwarg] = visible


def visible_kwargs() -> frozenset[str]:
    """The URL keywords with a registered visibility (for the test that every object route has
    one)."""
    return frozenset(_VISIBLE)


def hide_unseen(request, kwargs) -> None:
    """Raise Http404 when a keyword of ``kwargs`` names an object ``request``'s user may not see
    (issue 13 §4: 404, not 403, outside what the user may see). Keywords without a registered
    visibility are ignored; a value that is not an id is not an object (404)."""
    for name, value in kwargs.items():
        visible = _VISIBLE.get(name.removeprefix("region_"))
        if visible is None:
            continue
        try:
            found = visible(request).filter(pk=value).exists()
        except (TypeError, ValueError):
            found = False
        if not found:
            raise Http404


def require_2fa(user) -> bool:
    """Whether ``user`` must have TOTP before seeing data (roles.md), given the deployment."""
    if not settings.PORTAL_REQUIRE_2FA or not user.is_authenticated:
        return False
    # Staff see every tenant through the admin: the strongest reason of all for a second factor.
    return (
        user.is_staff
        or user.memberships.filter(role__in=[OFFICER, ACCOUNTANT, COORDINATOR]).exists()
    )


class PortalViewMixin:
    """Class-based views of the portal declare ``permission``; dispatch checks it against
    ``request.access``. A tenant view without a permission is a configuration error, so a new
    view cannot forget its check (fail closed)."""

    permission: str | None = None

    def dispatch(self, request, *args, **kwargs):
        access = getattr(request, "access", None)
        if self.permission is None or access is None:
            raise ImproperlyConfigured(
                f"{type(self).__name__} must declare a permission and run under a tenant URL."
            )
        self.access = access
        self.municipality = access.municipality
        self.region = access.region
        try:
            access.require(self.permission)
            return super().dispatch(request, *args, **kwargs)
        except PermissionDenied:
            # Denied here or further in (a POST needing a second right, an own-object rule):
            # an object the user cannot see is 404 first (every object keyword of a URL has a
            # registered visibility: tests/test_portal_permissions.py).
            hide_unseen(request, kwargs)
            raise

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The URL kwargs hold slugs; templates get the tenant objects.
        context["municipality"] = self.municipality
        context["region"] = self.region
        return context


def portal_permission(permission: str):
    """Decorator for function views (downloads, partials): same check as the mixin, including
    the 404 for an object outside the user's sight when the action is denied."""
    if permission not in MATRIX:
        raise ImproperlyConfigured(f"Unknown permission {permission!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            access = getattr(request, "access", None)
            if access is None:
                raise ImproperlyConfigured(f"{view.__name__} must run under a tenant URL.")
            try:
                access.require(permission)
                return view(request, *args, **kwargs)
            except PermissionDenied:
                hide_unseen(request, kwargs)
                raise

        wrapped.permission = permission
        return wrapped

    return decorator
