"""A director's own interventions in the school's draft scan (scans.md): add and remove. The
scan page (schools) links here; the relation is funding's (issue 9 §3)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import FormView

from portal.exceptions import ApplicationError
from portal.http import tenant_reverse
from portal.permissions import PortalViewMixin, portal_permission
from schools.models import Scan, school_year_bounds
from schools.selectors import own_school_scans

from ..forms import InterventionForm
from ..services import interventions as intervention_services


def _scan_url(request, scan):
    return tenant_reverse("schools:scan_detail", request.access.tenant, scan_id=scan.pk)


def _own_scan(request, scan_id):
    """A scan of the director's own school (404 otherwise)."""
    return get_object_or_404(own_school_scans(access=request.access), pk=scan_id)


class InterventionCreateView(PortalViewMixin, FormView):
    permission = "scans.change"
    template_name = "funding/intervention_form.html"
    form_class = InterventionForm

    def get(self, request, *args, **kwargs):
        return self._unless_submitted() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self._unless_submitted() or super().post(request, *args, **kwargs)

    def _unless_submitted(self):
        """A submitted scan is no longer the school's to change: back to the scan page."""
        scan = self.get_scan()
        if scan.status != Scan.Status.DRAFT:
            messages.info(
                self.request, _("Deze scan is ingediend en kan niet meer worden gewijzigd.")
            )
            return redirect(_scan_url(self.request, scan))
        return None

    def get_scan(self):
        if not hasattr(self, "scan"):
            self.scan = _own_scan(self.request, self.kwargs["scan_id"])
        return self.scan

    def get_initial(self):
        start, end = school_year_bounds(self.get_scan().school_year)
        return {"start": start, "end": end}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["scan"] = self.get_scan()
        return context

    def form_valid(self, form):
        scan = self.get_scan()
        try:
            intervention_services.scan_intervention_save(
                actor=self.request.user, scan=scan, **form.cleaned_data
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, _("De interventie is toegevoegd."))
        return redirect(_scan_url(self.request, scan))


@portal_permission("scans.change")
@require_POST
def intervention_delete(request, municipality, scan_id, intervention_id):
    scan = _own_scan(request, scan_id)
    activity = get_object_or_404(scan.interventions.all(), pk=intervention_id)
    try:
        intervention_services.scan_intervention_delete(
            actor=request.user, scan=scan, activity=activity
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("De interventie is verwijderd."))
    return redirect(_scan_url(request, scan))
