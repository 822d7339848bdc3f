"""Activity pages: list with export, detail, create and edit."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView

from portal.permissions import PortalViewMixin

from .. import filters, forms, selectors
from ..services import (
    activities as activity_services,
)
from .base import FilteredListView, FlagsMixin, _FormView, _url

# --- activities ----------------------------------------------------------------------------------


class ActivityListView(FilteredListView):
    permission = "activities.view"
    change_permission = "activities.change"
    import_permission = "activities.import"
    template_name = "funding/activity_list.html"
    filterset_class = filters.ActivityFilter
    context_object_name = "activities"
    export_name = "activiteiten"
    export_needs_prefetch = True
    export_header = [
        "eigenaar",
        "code",
        "naam",
        "thema's",
        "scholen",
        "sectoren",
        "begin",
        "einde",
        "geplande kosten",
        "financiering",
        "menukaart",
        "partner",
    ]

    def base_queryset(self):
        return selectors.activities(municipality=self.municipality, access=self.access).order_by(
            "start", "code"
        )

    def export_rows(self, qs):
        for a in qs:
            yield [
                a.owner_school.code if a.owner_school_id else self.municipality.code,
                a.code,
                a.name,
                "|".join(a.themes),
                "|".join(s.code for s in a.schools.all()),
                "|".join(a.sectors),
                a.start,
                a.end,
                a.planned_cost,
                "|".join(
                    f"{fl.stream.code}:{fl.amount}" if fl.amount is not None else fl.stream.code
                    for fl in a.funding_lines.all()
                ),
                a.menukaart,
                a.partner,
            ]


class ActivityDetailView(FlagsMixin, PortalViewMixin, DetailView):
    permission = "activities.view"
    change_permission = "activities.change"
    template_name = "funding/activity_detail.html"
    context_object_name = "activity"
    pk_url_kwarg = "activity_id"

    def get_queryset(self):
        return selectors.activities(municipality=self.municipality, access=self.access)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # a director sees municipal activities that reach the school but changes only its own
        if (
            self.access.own_schools_only("activities.change")
            and self.object.owner_school_id not in self.access.school_ids
        ):
            context["can_change"] = False
        return context


class ActivityCreateView(_FormView):
    permission = "activities.change"
    form_class = forms.ActivityForm
    title = gettext_lazy("Nieuwe activiteit")

    def owner_school(self):
        """A director creates interventions of their own school only (roles.md)."""
        if self.access.own_schools_only("activities.change"):
            from schools.models import School

            return School.objects.filter(pk__in=self.access.school_ids).order_by("pk").first()
        return None

    def save(self, form, obj):
        return activity_services.activity_create(
            municipality=self.municipality,
            actor=self.request.user,
            fields=form.fields_for_service(),
            schools=form.cleaned_data["schools"],
            funding=form.cleaned_data["funding"],
            owner_school=self.owner_school(),
        )

    def success_url(self, activity):
        return _url(self.request, "activity_detail", activity_id=activity.pk)


class ActivityUpdateView(ActivityCreateView):
    title = gettext_lazy("Activiteit bewerken")

    def get_object(self):
        activity = get_object_or_404(
            selectors.activities(municipality=self.municipality, access=self.access),
            pk=self.kwargs["activity_id"],
        )
        if (
            self.access.own_schools_only("activities.change")
            and activity.owner_school_id not in self.access.school_ids
        ):
            # a director sees municipal activities reaching the school but may not change them
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        return activity

    def save(self, form, obj):
        return activity_services.activity_update(
            activity=self._fresh(obj),
            actor=self.request.user,
            fields=form.fields_for_service(),
            version=self.version(form),
            schools=list(form.cleaned_data["schools"]),
            funding=form.cleaned_data["funding"],
        )
