"""What every page of the meetings app shares: the tenant-aware URL, the object id from the
URL, the coordinator guard and the view mixin/decorator. Pages of the meetings app are thin:
parse, call a selector or a service, render.

Every view serves both tenants: ``/<municipality>/overleg/...`` and
``/regio/<region>/overleg/...`` (regional routes name their object kwargs ``region_<kwarg>``,
see urls.py). Objects are always fetched through a selector of the page's tenant and user.
"""

from functools import wraps

from django.http import Http404
from django.shortcuts import get_object_or_404, resolve_url

from portal.http import redirect_back
from portal.permissions import PortalViewMixin, portal_permission

from .. import selectors
from ..models import meetings_reverse


def route_id(kwargs, name):
    """An object id from the URL: ``meeting_id`` on municipal routes, ``region_meeting_id`` on
    regional ones."""
    value = kwargs.get(name, kwargs.get(f"region_{name}"))
    if value is None:
        raise Http404
    return value


def tenant_url(access, name, **kwargs):
    """``meetings:<name>`` in the request's tenant (:func:`meetings.models.meetings_reverse`)."""
    return meetings_reverse(name, access.tenant, **kwargs)


def tenant_kwargs(access):
    return {"municipality": access.municipality, "region": access.region}


def _guard(access):
    # A coordinator reaches a municipality's pages only through the region; municipal
    # meetings are not theirs (roles.md): the area does not exist for them there.
    if not selectors.sees_tenant_meetings(access):
        raise Http404


class MeetingsViewMixin(PortalViewMixin):
    def dispatch(self, request, *args, **kwargs):
        access = getattr(request, "access", None)
        if access is not None and self.permission and access.has(self.permission):
            _guard(access)
        return super().dispatch(request, *args, **kwargs)

    def url(self, name, **kwargs):
        return tenant_url(self.access, name, **kwargs)

    def get_meeting(self):
        return get_object_or_404(
            selectors.meetings(access=self.access, user=self.request.user),
            pk=route_id(self.kwargs, "meeting_id"),
        )


def meetings_permission(permission):
    """``portal_permission`` plus the coordinator rule of :func:`_guard`, for function views."""

    def decorator(view):
        @portal_permission(permission)
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            _guard(request.access)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _meeting(request, kwargs):
    return get_object_or_404(
        selectors.meetings(access=request.access, user=request.user),
        pk=route_id(kwargs, "meeting_id"),
    )


def _action(request, kwargs):
    return get_object_or_404(
        selectors.actions(access=request.access, user=request.user),
        pk=route_id(kwargs, "action_id"),
    )


def _back(request, fallback):
    return redirect_back(request, resolve_url(fallback))
