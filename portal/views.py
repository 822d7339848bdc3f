"""Home pages, members, audit trail, invitations and the health check."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import ListView, TemplateView
from django_scopes import scopes_disabled

from . import selectors, services
from .celery import app
from .dashboard import panels_for
from .directors import director_schools
from .exceptions import ApplicationError
from .forms import AcceptInvitationForm, InvitationForm
from .models import Role
from .permissions import PortalViewMixin, portal_permission


def _membership_url(membership):
    if membership.region_id:
        return reverse("portal:region_dashboard", kwargs={"region": membership.region.slug})
    return reverse("portal:dashboard", kwargs={"municipality": membership.municipality.slug})


class PublicPageView(TemplateView):
    """The accessibility statement, privacy statement and contact page: open to everyone,
    signed in or not."""

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "contact_url": reverse("contact"),
            "contact_email": settings.PORTAL_CONTACT_EMAIL,
        }


def favicon(request):
    """Browsers that ask for /favicon.ico get the SVG icon (looked up per request: the static
    manifest of a production build is only there after collectstatic)."""
    return redirect(static("favicon.svg"), permanent=True)


@login_required
def home(request):
    """Where login lands: straight to the only place a user works, or a choice of places."""
    with scopes_disabled():
        memberships = list(selectors.user_tenants(request.user))
        places = {}
        for m in memberships:
            url = _membership_url(m)
            label = str(m.region or m.municipality.name)
            places.setdefault(url, {"url": url, "label": label, "roles": []})["roles"].append(
                m.get_role_display()
            )
    if len(places) == 1:
        return redirect(next(iter(places)))
    return render(request, "portal/home.html", {"places": list(places.values())})


class DashboardView(PortalViewMixin, TemplateView):
    """A municipality's home page; each app adds the panels for the user's roles."""

    permission = "dashboard.view"
    template_name = "portal/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["panels"] = panels_for(self.request)
        context["roles"] = sorted(Role(r).label for r in self.access.roles)
        return context


class RegionDashboardView(DashboardView):
    template_name = "portal/region_dashboard.html"


class MemberListView(PortalViewMixin, TemplateView):
    permission = "members.view"
    template_name = "portal/member_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["members"] = selectors.members(municipality=self.municipality)
        context["invitations"] = selectors.pending_invitations(municipality=self.municipality)
        context["form"] = kwargs.get("form") or InvitationForm(schools=director_schools().choices())
        return context

    def post(self, request, *args, **kwargs):
        self.access.require("members.invite")
        form = InvitationForm(request.POST, schools=director_schools().choices())
        if form.is_valid():
            try:
                services.invitation_create(
                    invited_by=request.user,
                    municipality=self.municipality,
                    request=request,
                    **form.cleaned_data,
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request, _("Uitnodiging verstuurd naar %(email)s.") % form.cleaned_data
                )
                return redirect("portal:members", municipality=self.municipality.slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)


@portal_permission("members.invite")  # before require_POST: a GET must not reveal the URL
@require_POST
def member_remove(request, municipality, membership_id):
    membership = get_object_or_404(
        selectors.members(municipality=request.access.municipality), pk=membership_id
    )
    try:
        services.membership_remove(
            actor=request.user, membership=membership, municipality=request.access.municipality
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Rol verwijderd."))
    return redirect("portal:members", municipality=municipality)


@portal_permission("members.invite")  # before require_POST: a GET must not reveal the URL
@require_POST
def invitation_resend(request, municipality, invitation_id):
    """The "Opnieuw versturen" button of an open invitation's mail (members page): queues one new mail
    job; 404 for an invitation outside the municipality or already accepted."""
    invitation = get_object_or_404(
        selectors.pending_invitations(municipality=request.access.municipality), pk=invitation_id
    )
    try:
        services.invitation_resend(actor=request.user, invitation=invitation, request=request)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("De uitnodiging aan %(email)s wordt opnieuw verstuurd.")
            % {"email": invitation.email},
        )
    return redirect("portal:members", municipality=municipality)


class AuditListView(PortalViewMixin, ListView):
    permission = "audit.view"
    template_name = "portal/audit_list.html"
    paginate_by = 50
    context_object_name = "events"

    def get_queryset(self):
        return selectors.audit_events(municipality=self.municipality)


@never_cache
def invitation_accept(request, token):
    """The one-time link from the invitation e-mail. A new person sets a password and is signed
    in; someone who already has an account signs in the normal way first (password and
    two-factor), so the link alone never opens an existing account."""
    try:
        invitation = services.invitation_from_token(token)
    except ApplicationError as error:
        return render(
            request, "portal/invitation_invalid.html", {"message": error.message}, status=410
        )
    existing = get_user_model().objects.filter(email__iexact=invitation.email).first()
    if existing is not None:
        if request.user != existing:
            messages.info(
                request, _("U heeft al een account. Log in om de uitnodiging te accepteren.")
            )
            return redirect_to_login(request.get_full_path())
        if request.method == "POST":
            try:
                services.invitation_accept(invitation=invitation)
            except ApplicationError as error:
                return render(
                    request,
                    "portal/invitation_invalid.html",
                    {"message": error.message},
                    status=409,
                )
            messages.success(request, _("De nieuwe rol is aan uw account toegevoegd."))
            return redirect("home")
        return render(
            request,
            "portal/invitation_accept.html",
            {"invitation": invitation, "form": None, "existing": True},
        )
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation, password=form.cleaned_data["password1"]
            )
        except ApplicationError as error:  # accepted a moment ago by a second click or tab
            return render(
                request, "portal/invitation_invalid.html", {"message": error.message}, status=409
            )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welkom! Uw account is klaar."))
        return redirect("home")
    return render(
        request,
        "portal/invitation_accept.html",
        {"invitation": invitation, "form": form, "existing": False},
    )


def health(request):
    """State of database, cache and broker for load balancers and docker-compose: 200 when all
    are up, 503 naming the one that is down."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means "down"
        checks["database"] = f"error: {type(error).__name__}"
    try:
        if hasattr(cache, "redis_ping"):  # portal.cache: would answer from the database
            cache.redis_ping()
            checks["cache"] = "ok"
        else:
            cache.set("health-check", "1", 10)
            checks["cache"] = "ok" if cache.get("health-check") == "1" else "error: no round trip"
    except Exception as error:  # noqa: BLE001
        checks["cache"] = f"error: Redis {type(error).__name__}"
    if settings.CELERY_TASK_ALWAYS_EAGER:
        checks["broker"] = "ok (in-process)"
    else:
        checks["broker"] = _broker_state()
    healthy = all(value.startswith("ok") for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )


def _broker_state() -> str:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as error:  # noqa: BLE001
        return f"error: Redis {type(error).__name__}"
