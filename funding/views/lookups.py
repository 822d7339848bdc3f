"""The JSON lookups behind the pickers: a typed code instead of a select of every row
(issue 14 §1); each behind its list's permission, limited to the municipality."""

from django.db.models import Q
from django.http import JsonResponse

from portal.permissions import portal_permission
from schools import selectors as school_selectors

from .. import selectors
from ..models import Grant

# --- pickers -------------------------------------------------------------------------------------

LOOKUP_LIMIT = 20


def _suggestions(request, rows, code_field: str, name_field: str, name_match: str):
    """``{"results": [{"value": code, "label": "code – name"}]}``: at most 20 of ``rows`` (already
    limited to the tenant and the user's rights) whose code starts with, or whose name contains,
    the ``q`` parameter (both case-insensitive)."""
    q = request.GET.get("q", "").strip()[:100]
    if q:
        rows = rows.filter(
            Q(**{f"{code_field}__istartswith": q}) | Q(**{f"{name_field}__{name_match}": q})
        )
    rows = rows.order_by(code_field).values_list(code_field, name_field)[:LOOKUP_LIMIT]
    return JsonResponse(
        {"results": [{"value": code, "label": f"{code} – {name}"} for code, name in rows]}
    )


# JSON lookups behind the pickers (portal.fields.CodeChoiceField, issue 14 §1): one per kind, each
# behind the permission of that kind's list, of the current municipality only.


@portal_permission("funding.view")
def lookup_grants(request, municipality):
    rows = Grant.objects.filter(municipality=request.access.municipality)
    return _suggestions(request, rows, "reference", "stream__code", "iexact")


@portal_permission("activities.view")
def lookup_activities(request, municipality):
    """Municipal activities only (an expenditure books on those; a school's own interventions
    are not chosen here), narrowed to what a director may see."""
    rows = (
        selectors.activities(municipality=request.access.municipality, access=request.access)
        .filter(owner_school__isnull=True)
        .prefetch_related(None)
        .select_related(None)
    )
    return _suggestions(request, rows, "code", "name", "icontains")


@portal_permission("schools.view")
def lookup_schools(request, municipality):
    rows = school_selectors.schools(access=request.access).filter(
        municipality=request.access.municipality
    )
    return _suggestions(request, rows, "code", "name", "icontains")
