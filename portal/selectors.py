"""Reads for the portal's own pages (HackSoft styleguide: selectors return querysets scoped to
the tenant, with what the page needs joined in, so the query count is fixed)."""

from .directors import director_schools
from .models import AuditEvent, ExportJob, ImportJob, Invitation, Membership


def members(*, municipality):
    """Everyone with a role in ``municipality`` (its schools' directors too): memberships with
    ``user`` joined and a director's ``school_id``/``school_name`` annotated; one query."""
    return director_schools().annotate(
        Membership.objects.filter(municipality=municipality)
        .select_related("user")
        .order_by("user__email", "role")
    )


def pending_invitations(*, municipality):
    """Open invitations of ``municipality``, newest first, with a director invitation's
    ``school_id``/``school_name`` annotated; one query."""
    return director_schools().annotate(
        Invitation.objects.filter(municipality=municipality, accepted_at__isnull=True)
    )


def audit_events(*, municipality):
    """The municipality's audit trail, newest first, with the acting user joined (one query
    per page); product.md capability 9."""
    return AuditEvent.objects.filter(municipality=municipality).select_related("actor")


def user_tenants(user):
    """The memberships of ``user`` (every tenant, so call it outside a tenant scope) with the
    municipality or region joined: the home page groups them into places (one query)."""
    return Membership.objects.filter(user=user).select_related("municipality", "region")


# --- what a URL may name (portal.permissions.register_visible): (request) -> queryset -------


def visible_memberships(request):
    """Memberships the request's user may name in a URL: those of the municipality."""
    return Membership.objects.filter(municipality=request.access.municipality)


def visible_invitations(request):
    """Invitations the request's user may name in a URL: the municipality's open ones."""
    return pending_invitations(municipality=request.access.municipality)


def visible_export_jobs(request):
    """Export jobs the request's user may name in a URL: their own, in the municipality (an
    export holds what its user's lists showed them)."""
    return ExportJob.objects.filter(
        municipality=request.access.municipality, created_by=request.user
    )


def visible_import_jobs(request):
    """Import jobs the request's user may name in a URL: those of the municipality."""
    return ImportJob.objects.filter(municipality=request.access.municipality)
