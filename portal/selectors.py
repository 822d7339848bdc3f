"""Reads for the portal's own pages (HackSoft styleguide: selectors return querysets scoped to
the tenant, with what the page needs joined in, so the query count is fixed)."""

from django.db.models import Q

from .models import AuditEvent, Invitation, Membership


def members(*, municipality):
    """Everyone with a role in ``municipality``: direct members and its schools' directors."""
    return (
        Membership.objects.filter(
            Q(municipality=municipality) | Q(school__municipality=municipality)
        )
        .select_related("user", "school")
        .order_by("user__email", "role")
    )


def pending_invitations(*, municipality):
    return Invitation.objects.filter(
        municipality=municipality, accepted_at__isnull=True
    ).select_related("school")


def audit_events(*, municipality):
    return AuditEvent.objects.filter(municipality=municipality).select_related("actor")


def user_tenants(user):
    """The places a user can go, for the home page: (label, role, url name, kwargs)."""
    return Membership.objects.filter(user=user).select_related(
        "municipality", "school__municipality", "region"
    )
