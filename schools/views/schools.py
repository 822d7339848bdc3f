"""The school pages: the list (with its CSV/XLSX export), the school page and its edit form."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView

from portal.dashboard import panels_for
from portal.domain import Theme
from portal.exceptions import ApplicationError
from portal.exports import export_response
from portal.permissions import PortalViewMixin

from .. import selectors, services
from ..filters import SchoolFilter
from ..forms import SchoolForm
from .base import page_url

EXPORT_HEADER = [
    "vestigingscode",
    "naam",
    "sector",
    "bevoegd gezag",
    "samenwerkingsverband",
    "straat",
    "huisnummer",
    "postcode",
    "plaats",
    "denominatie",
    "aantal leerlingen",
]


class SchoolListView(PortalViewMixin, FilterView):
    permission = "schools.view"
    filterset_class = SchoolFilter
    template_name = "schools/school_list.html"
    context_object_name = "schools"
    paginate_by = 50

    def get_queryset(self):
        return selectors.schools(access=self.access).order_by("name", "code")

    def render_to_response(self, context, **kwargs):
        export = self.request.GET.get("export")
        if export in ("csv", "xlsx"):
            rows = (
                [
                    s.code,
                    s.name,
                    s.sector,
                    s.board_number,
                    s.swv_code,
                    s.street,
                    s.house_number,
                    s.postcode,
                    s.city,
                    s.denomination,
                    s.pupil_count,
                ]
                for s in self.object_list
            )
            return export_response(rows, EXPORT_HEADER, "scholen", export)
        return super().render_to_response(context, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("export", None)
        context["query"] = query.urlencode()
        return context


class SchoolDetailView(PortalViewMixin, DetailView):
    """One page per school (capability 10): its data, scans and needs over the years, and the
    panels other apps add (portal.dashboard slot ``"school"``): its own interventions, the
    municipal activities that reach it and the needs they cover, money per stream (funding),
    action items (meetings)."""

    permission = "schools.view"
    template_name = "schools/school_detail.html"
    context_object_name = "school"
    pk_url_kwarg = "school_id"

    def get_queryset(self):
        return selectors.schools(access=self.access).select_related("municipality")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        school, access = self.object, self.access
        context["weights"] = selectors.school_weights(school=school)
        if access.has("scans.view"):
            scans = list(selectors.school_scans(access=access, school=school))
            context["scans"] = scans
            context["need_years"] = _needs_over_years(scans)
        # Activities, coverage and money (funding) and action items (meetings) come as
        # panels; they get the scans loaded here so that nothing is read twice.
        context["panels"] = panels_for(self.request, school, context.get("scans"), slot="school")
        return context


def _needs_over_years(scans):
    """Themes x school years: the severity of each theme per year, for the trend table."""
    years = [scan.school_year for scan in reversed(scans)]
    grid = {}
    for scan in scans:
        for need in scan.needs.all():
            grid.setdefault(need.theme, {})[scan.school_year] = need
    labels = dict(Theme.choices)
    rows = [(labels[t], [grid[t].get(y) for y in years]) for t, _l in Theme.choices if t in grid]
    return {"years": years, "rows": rows}


class SchoolUpdateView(PortalViewMixin, FormView):
    permission = "schools.change"
    template_name = "schools/school_form.html"
    form_class = SchoolForm

    def get_school(self):
        return get_object_or_404(selectors.schools(access=self.access), pk=self.kwargs["school_id"])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.school = self.get_school()
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["school"] = self.school
        return context

    def form_valid(self, form):
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        # A fresh copy: the form's instance already holds the new values, and the service
        # compares old with new for its audit event and its "nothing changed".
        school = self.get_school()
        try:
            services.school_update(actor=self.request.user, school=school, **data)
        except ApplicationError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, _("De gegevens van de school zijn opgeslagen."))
        return redirect(page_url(self.request, "schools:school_detail", school_id=school.pk))
