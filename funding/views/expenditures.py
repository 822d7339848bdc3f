"""Expenditure (besteding) pages: list by keyset with export, detail, create, edit and the
accountant's sign-off."""

from django.contrib import messages
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import DetailView

from portal.exceptions import ApplicationError
from portal.http import redirect_back
from portal.permissions import PortalViewMixin, portal_permission

from .. import filters, forms, selectors
from ..services import (
    expenditures as expenditure_services,
)
from .base import FilteredListView, FlagsMixin, _FormView, _url

# --- expenditures --------------------------------------------------------------------------------


class ExpenditureListView(FilteredListView):
    permission = "funding.view"
    template_name = "funding/expenditure_list.html"
    filterset_class = filters.ExpenditureFilter
    context_object_name = "expenditures"
    export_name = "bestedingen"
    keyset = True
    export_header = [
        "boekingsnummer",
        "beschikking",
        "stroom",
        "datum",
        "bedrag",
        "leverancier",
        "factuurnummer",
        "omschrijving",
        "activiteit",
        "school",
        "kostensoort",
        "afschrijving (maanden)",
        "nieuwbouw",
        "afgetekend door",
        "afgetekend op",
    ]

    def base_queryset(self):
        return selectors.expenditures(municipality=self.municipality).order_by(
            "-date", "booking_id"
        )

    def export_rows(self, qs):
        for e in qs:
            yield [
                e.booking_id,
                e.grant.reference,
                e.grant.stream.code,
                e.date,
                e.amount,
                e.supplier,
                e.invoice_number,
                e.description,
                e.activity.code if e.activity_id else "",
                e.school.code if e.school_id else "",
                e.cost_category,
                e.depreciation_months,
                e.new_construction,
                str(e.signed_off_by or ""),
                e.signed_off_at,
            ]


class ExpenditureDetailView(FlagsMixin, PortalViewMixin, DetailView):
    permission = "funding.view"
    template_name = "funding/expenditure_detail.html"
    context_object_name = "expenditure"
    pk_url_kwarg = "expenditure_id"

    def get_queryset(self):
        return selectors.expenditures(municipality=self.municipality)


class ExpenditureCreateView(_FormView):
    permission = "funding.change"
    form_class = forms.ExpenditureForm
    title = gettext_lazy("Nieuwe besteding")

    def save(self, form, obj):
        return expenditure_services.expenditure_create(
            municipality=self.municipality,
            actor=self.request.user,
            fields=form.fields_for_service(),
        )

    def success_url(self, expenditure):
        return _url(self.request, "expenditure_detail", expenditure_id=expenditure.pk)


class ExpenditureUpdateView(ExpenditureCreateView):
    title = gettext_lazy("Besteding bewerken")

    def get_object(self):
        return get_object_or_404(
            selectors.expenditures(municipality=self.municipality), pk=self.kwargs["expenditure_id"]
        )

    def save(self, form, obj):
        return expenditure_services.expenditure_update(
            expenditure=self._fresh(obj),
            actor=self.request.user,
            fields=form.fields_for_service(),
            version=self.version(form),
        )


@portal_permission("signoff.change")
@require_POST
def expenditure_sign_off(request, municipality, expenditure_id):
    expenditure = get_object_or_404(
        selectors.expenditures(municipality=request.access.municipality), pk=expenditure_id
    )
    try:
        version = int(request.POST.get("version") or expenditure.version)
        expenditure_services.expenditure_sign_off(
            expenditure=expenditure,
            actor=request.user,
            version=version,
            note=request.POST.get("note", "").strip()[:1000],
        )
    except (ApplicationError, ValueError) as error:
        messages.error(request, getattr(error, "message", str(error)))
    else:
        messages.success(request, _("Besteding %s afgetekend.") % expenditure.booking_id)
    return redirect_back(
        request, _url(request, "expenditure_detail", expenditure_id=expenditure.pk)
    )
