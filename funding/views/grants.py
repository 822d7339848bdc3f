"""Grant (beschikking) pages: list with export, detail, create and edit."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView

from portal.permissions import PortalViewMixin

from .. import filters, forms, selectors
from ..services import (
    grants as grant_services,
)
from .base import FilteredListView, FlagsMixin, _FormView, _url

# --- grants --------------------------------------------------------------------------------------


class GrantListView(FilteredListView):
    permission = "funding.view"
    template_name = "funding/grant_list.html"
    filterset_class = filters.GrantFilter
    context_object_name = "grants"
    export_name = "beschikkingen"
    export_header = [
        "kenmerk",
        "stroom",
        "begin",
        "einde",
        "bedrag",
        "overgeheveld",
        "overgeheveld uit",
        "besteed",
        "resterend",
    ]

    def base_queryset(self):
        return selectors.grants(municipality=self.municipality).order_by(
            "stream__code", "window_start", "reference"
        )

    def export_rows(self, qs):
        for g in qs:
            yield [
                g.reference,
                g.stream.code,
                g.window_start,
                g.window_end,
                g.amount,
                g.carry_over,
                g.carried_from.reference if g.carried_from_id else "",
                g.spent,
                g.total - g.spent - g.carried_out,  # = remaining, to the cent on every database
            ]


class GrantDetailView(FlagsMixin, PortalViewMixin, DetailView):
    permission = "funding.view"
    template_name = "funding/grant_detail.html"
    context_object_name = "grant"
    pk_url_kwarg = "grant_id"

    def get_queryset(self):
        return selectors.grants(municipality=self.municipality)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lines"] = (
            selectors.expenditures(municipality=self.municipality)
            .filter(grant=self.object)
            .order_by("-date")[:50]
        )
        return context


class GrantCreateView(_FormView):
    permission = "funding.change"
    form_class = forms.GrantForm
    title = gettext_lazy("Nieuwe beschikking")

    def save(self, form, obj):
        return grant_services.grant_create(
            municipality=self.municipality,
            actor=self.request.user,
            fields=form.fields_for_service(),
        )

    def success_url(self, grant):
        return _url(self.request, "grant_detail", grant_id=grant.pk)


class GrantUpdateView(GrantCreateView):
    title = gettext_lazy("Beschikking bewerken")

    def get_object(self):
        return get_object_or_404(
            selectors.grants(municipality=self.municipality), pk=self.kwargs["grant_id"]
        )

    def save(self, form, obj):
        return grant_services.grant_update(
            grant=self._fresh(obj),
            actor=self.request.user,
            fields=form.fields_for_service(),
            version=self.version(form),
        )
