"""Tenant resolution and the two-factor gate.

URLs carry the tenant: ``/<municipality>/...`` or ``/regio/<region>/...``. This middleware
resolves it together with the user's memberships and answers 404 when the user has none there
(pretix ``control/middleware.py``: not revealing what exists). The rest of the request runs
inside a django-scopes scope, so querysets of tenant models are filtered to the tenant and a
query outside any scope raises instead of leaking.
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from .directors import director_schools
from .models import Membership, Municipality, Region, Role
from .permissions import Access, grants_for, require_2fa

# Paths a signed-in user without TOTP may still reach: setting it up, logging out, switching
# language, health checks and static files.
_2FA_EXEMPT_PREFIXES = ("/accounts/", "/i18n/", "/health/", "/static/", "/uitnodiging/")


def municipality_access(user, municipality) -> Access:
    """What ``user`` may do in ``municipality`` from their memberships now (also used by
    background jobs that act for a user). Raises Http404 without a membership there."""
    memberships = list(
        director_schools()
        .annotate(Membership.objects.for_municipality(municipality).filter(user=user))
        .only("role")
    )
    if not memberships:
        raise Http404
    roles = frozenset(m.role for m in memberships)
    # A director's school comes from the schools app (portal.directors); a membership whose
    # school is gone reaches none.
    school_ids = frozenset(
        m.school_id
        for m in memberships
        if m.role == Role.SCHOOL_DIRECTOR and m.school_id is not None
    )
    return Access(
        municipality=municipality, roles=roles, school_ids=school_ids, grants=grants_for(roles)
    )


def _region_access(user, region) -> Access:
    if not Membership.objects.filter(
        user=user, region=region, role=Role.REGIONAL_COORDINATOR
    ).exists():
        raise Http404
    roles = frozenset({Role.REGIONAL_COORDINATOR})
    return Access(region=region, roles=roles, grants=grants_for(roles, region=True))


class TenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path_info.startswith(_2FA_EXEMPT_PREFIXES)
            and require_2fa(user)
            and not _has_totp(user)
        ):
            return redirect("mfa_activate_totp")

        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)

        kwargs = match.kwargs
        if "municipality" not in kwargs and "region" not in kwargs:
            if request.path_info.startswith("/admin/"):
                # Staff support through the Django admin sees across tenants, on purpose.
                with scopes_disabled():
                    return self.get_response(request)
            return self.get_response(request)

        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))

        if "municipality" in kwargs:
            municipality = Municipality.objects.filter(slug=kwargs["municipality"]).first()
            if municipality is None:
                raise Http404
            request.access = municipality_access(user, municipality)
            tenant_scope = {"municipality": municipality}
        else:
            region = Region.objects.filter(slug=kwargs["region"]).first()
            if region is None:
                raise Http404
            request.access = _region_access(user, region)
            # Aggregates across the region's municipalities, never one outside it.
            ids = list(region.municipalities.values_list("id", flat=True)) or [0]
            tenant_scope = {"municipality": ids}

        with scope(**tenant_scope):
            return self.get_response(request)


def _has_totp(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class LanguageMiddleware:
    """Dutch first: the interface is Dutch unless the user chose English with the language
    switch (a cookie). Unlike Django's LocaleMiddleware, a browser's Accept-Language does not
    switch a Dutch municipality's portal to English."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Cookie"])
        return response


class RequestSizeMiddleware:
    """Refuse a request whose body is larger than ``UPLOAD_MAX_REQUEST_SIZE`` bytes (default
    250 MB) with 413 before Django reads it: uploads are bounded per request here and per file
    by the form fields (portal.uploads.file_size_validator), issue 13 §3."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = getattr(settings, "UPLOAD_MAX_REQUEST_SIZE", 250 * 1024 * 1024)
        if length > limit:
            message = _("Het verzoek is te groot (hoogstens %(limit)s).") % {
                "limit": filesizeformat(limit)
            }
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
