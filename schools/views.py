"""Pages of the schools app: schools, the school page, scans with their workflow and documents,
the municipality's overview and the imports. Views are thin: a selector or a service each."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView, ListView, TemplateView
from django_filters.views import FilterView

from portal.dashboard import panels_for
from portal.domain import Sector, Theme
from portal.exceptions import ApplicationError
from portal.exports import export_response
from portal.http import tenant_reverse
from portal.imports import views as imports_views
from portal.permissions import PortalViewMixin, portal_permission

from . import selectors, services
from .filters import SchoolFilter
from .forms import (
    DocumentForm,
    NeedsForm,
    ReviewForm,
    ScanCreateForm,
    SchoolForm,
    SchoolImportForm,
    WeightImportForm,
    school_year_choices,
)
from .models import Scan


def _url(request, name, **kwargs):
    return tenant_reverse(name, request.access.tenant, **kwargs)


# --- schools -----------------------------------------------------------------

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
    lookup_before_denial = "get_school"  # 404 for a school the user cannot see, then 403
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
        school = self.get_school()
        try:
            services.school_update(actor=self.request.user, school=school, **data)
        except ApplicationError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, _("De gegevens van de school zijn opgeslagen."))
        return redirect(_url(self.request, "schools:school_detail", school_id=school.pk))


# --- imports (upload -> preview -> confirm) ------------------------------------------


class ImportView(imports_views.ImportView):
    job_url_name = "schools:import_job"
    job_url_kwarg = "import_job_id"


class SchoolImportView(ImportView):
    permission = "schools.import"
    form_class = SchoolImportForm
    kind = "schools"

    @property
    def title(self):
        return _("Scholen importeren (DUO)")

    @property
    def columns_help(self):
        return _(
            "Het DUO-bestand 'adressen alle vestigingen' (klassiek of nieuw), zoals gedownload, "
            "ook het landelijke bestand: regels van andere gemeenten worden overgeslagen en "
            "geteld."
        )


class WeightImportView(ImportView):
    permission = "schools.import"
    form_class = WeightImportForm
    kind = "weights"

    @property
    def title(self):
        return _("Schoolweging importeren (CBS)")

    @property
    def columns_help(self):
        # column names and codes as <code>: what the file must say, not interface words
        return mark_safe(
            _(
                "Het CBS-bestand met de kolommen <code>OVT</code> (vestigingscode of BRIN|C1), "
                "<code>schoolweging</code> en <code>aantal_leerlingen</code>, ook voor het hele "
                "land: regels van scholen die niet bij deze gemeente in het portaal staan worden "
                "overgeslagen en geteld."
            )
        )


class NeedsImportView(ImportView):
    permission = "scans.import"
    kind = "needs"
    job_url_name = "schools:needs_import_job"
    job_url_kwarg = "needs_import_job_id"

    @property
    def title(self):
        return _("Behoeften uit schoolscans importeren")

    @property
    def columns_help(self):
        return mark_safe(
            _(
                "Kolommen: <code>school</code>, <code>school_year</code>, <code>theme</code>, "
                "<code>severity</code> (<code>none</code>, <code>limited</code>, <code>moderate</code>, "
                "<code>severe</code>) en <code>share_of_pupils</code>."
            )
        )


class ImportJobView(imports_views.ImportJobView):
    permission = "schools.import"
    kinds = ("schools", "weights")
    done_url_name = "schools:school_list"


class NeedsImportJobView(ImportJobView):
    permission = "scans.import"
    kinds = ("needs",)
    pk_url_kwarg = "needs_import_job_id"
    done_url_name = "schools:scan_overview"


# --- scans -------------------------------------------------------------------


class ScanListView(PortalViewMixin, ListView):
    permission = "scans.view"
    template_name = "schools/scan_list.html"
    context_object_name = "scans"
    paginate_by = 50

    def get_queryset(self):
        queryset = selectors.scans(access=self.access).order_by("-school_year", "school__name")
        year = self.request.GET.get("school_year")
        if year:
            queryset = queryset.filter(school_year=year)
        return queryset

    def render_to_response(self, context, **kwargs):
        export = self.request.GET.get("export")
        if export in ("csv", "xlsx"):
            header = [
                _("vestigingscode"),
                _("school"),
                _("schooljaar"),
                _("status"),
                _("bron"),
                _("ingediend op"),
                _("opmerking gemeente bij terugsturen"),
            ]
            rows = (
                [
                    s.school.code,
                    s.school.name,
                    s.school_year,
                    s.state_label,
                    s.get_source_display(),
                    s.submitted_at,
                    s.returned_remark if s.is_returned else "",
                ]
                for s in self.object_list
            )
            return export_response(rows, header, "schoolscans", export)
        return super().render_to_response(context, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["school_years"] = school_year_choices()
        context["school_year"] = self.request.GET.get("school_year", "")
        return context


SCHOOLS_PER_PAGE = 50


class ScanOverviewView(PortalViewMixin, TemplateView):
    """The municipality's overview for one school year: submitted or not, the heat map of
    needs, top themes and needs shared by several schools."""

    permission = "scans.review"
    template_name = "schools/scan_overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        years = selectors.school_years(municipality=self.municipality)
        year = self.request.GET.get("school_year")
        if year not in years:
            year = selectors.scan_round(municipality=self.municipality)
        sector = self.request.GET.get("sector") or None
        if sector not in Sector.values:
            sector = None
        overview = selectors.overview(
            municipality=self.municipality, school_year=year, sector=sector
        )
        context.update(
            overview=overview,
            # the heat map shows 50 schools a page (issue 14 §1); panels and exports stay whole
            page_obj=Paginator(overview.rows, SCHOOLS_PER_PAGE).get_page(
                self.request.GET.get("page")
            ),
            school_years=years,
            school_year=year,
            sector=sector or "",
            sectors=Sector.choices,
        )
        return context

    def render_to_response(self, context, **kwargs):
        export = self.request.GET.get("export")
        if export in ("csv", "xlsx"):
            overview = context["overview"]
            header = [
                _("vestigingscode"),
                _("school"),
                _("sector"),
                _("scan"),
                *(label for _c, label in overview.themes),
            ]
            rows = (
                [
                    row.school.code,
                    row.school.name,
                    row.school.sector,
                    row.scan.get_status_display() if row.scan else _("ontbreekt"),
                    *(
                        row.needs[code].get_severity_display() if code in row.needs else ""
                        for code, _l in overview.themes
                    ),
                ]
                for row in overview.rows
            )
            return export_response(rows, header, f"behoeften-{overview.school_year}", export)
        return super().render_to_response(context, **kwargs)


class ScanCreateView(PortalViewMixin, FormView):
    permission = "scans.change"
    template_name = "schools/scan_create.html"
    form_class = ScanCreateForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["schools"] = selectors.schools(access=self.access).filter(
            id__in=self.access.school_ids
        )
        return kwargs

    def form_valid(self, form):
        try:
            scan = services.scan_create(actor=self.request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(
            self.request, _("De scan is aangemaakt als concept. Vul nu de behoeften in.")
        )
        return redirect(_url(self.request, "schools:scan_update", scan_id=scan.pk))


class ScanDetailView(PortalViewMixin, DetailView):
    permission = "scans.view"
    template_name = "schools/scan_detail.html"
    context_object_name = "scan"
    pk_url_kwarg = "scan_id"

    def get_queryset(self):
        return selectors.scan_detail(access=self.access)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scan = self.object
        context.update(
            editable=selectors.scan_editable(access=self.access, scan=scan),
            document_form=DocumentForm(),
            review_form=ReviewForm()
            if self.access.has("scans.review") and scan.status == Scan.Status.SUBMITTED
            else None,
            can_view_documents=self.access.has("scandocs.view"),
            # The chosen interventions (funding, portal.dashboard slot "scan").
            panels=panels_for(self.request, scan, slot="scan"),
        )
        return context


def _editable_scan(request, scan_id):
    """A scan of the director's own school (404 otherwise)."""
    return get_object_or_404(selectors.own_school_scans(access=request.access), pk=scan_id)


def _unless_submitted(request, scan_id):
    """A submitted scan is no longer the school's to change: back to the scan page."""
    scan = _editable_scan(request, scan_id)
    if scan.status != Scan.Status.DRAFT:
        messages.info(request, _("Deze scan is ingediend en kan niet meer worden gewijzigd."))
        return redirect(_url(request, "schools:scan_detail", scan_id=scan.pk))
    return None


class ScanUpdateView(PortalViewMixin, FormView):
    """The structured scan: severity, share of pupils and a note per theme."""

    permission = "scans.change"
    template_name = "schools/scan_form.html"
    form_class = NeedsForm

    def get(self, request, *args, **kwargs):
        return _unless_submitted(request, kwargs["scan_id"]) or super().get(
            request, *args, **kwargs
        )

    def post(self, request, *args, **kwargs):
        return _unless_submitted(request, kwargs["scan_id"]) or super().post(
            request, *args, **kwargs
        )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        self.scan = _editable_scan(self.request, self.kwargs["scan_id"])
        kwargs["needs"] = {n.theme: n for n in self.scan.needs.all()}
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["scan"] = self.scan
        return context

    def form_valid(self, form):
        try:
            services.scan_needs_save(actor=self.request.user, scan=self.scan, needs=form.needs())
        except ApplicationError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, _("De behoeften zijn opgeslagen."))
        return redirect(_url(self.request, "schools:scan_detail", scan_id=self.scan.pk))


@portal_permission("scans.change")
@require_POST
def scan_submit(request, municipality, scan_id):
    scan = _editable_scan(request, scan_id)
    try:
        services.scan_submit(actor=request.user, scan=scan)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("De scan is ingediend bij de gemeente."))
    return redirect(_url(request, "schools:scan_detail", scan_id=scan.pk))


@portal_permission("scans.review")
@require_POST
def scan_review(request, municipality, scan_id):
    scan = get_object_or_404(selectors.scans(access=request.access), pk=scan_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Kies of de scan beoordeeld is of wordt teruggestuurd."))
        return redirect(_url(request, "schools:scan_detail", scan_id=scan.pk))
    comment = form.cleaned_data["comment"]
    try:
        if form.cleaned_data["decision"] == "review":
            services.scan_review(actor=request.user, scan=scan, comment=comment)
            messages.success(request, _("De scan is beoordeeld."))
        else:
            services.scan_return(actor=request.user, scan=scan, comment=comment)
            messages.success(request, _("De scan is teruggestuurd naar de school."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect(_url(request, "schools:scan_detail", scan_id=scan.pk))


@portal_permission("scandocs.change")
@require_POST
def document_upload(request, municipality, scan_id):
    scan = _editable_scan(request, scan_id)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        # Django's own words: no file chosen, or an empty one.
        messages.error(
            request, " ".join(form.errors.get("file", [_("Kies een bestand om te uploaden.")]))
        )
    else:
        try:
            document = services.scan_document_upload(
                actor=request.user, scan=scan, upload=form.cleaned_data["file"]
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("Het document is opgeslagen (versie %d).") % document.version
            )
    return redirect(_url(request, "schools:scan_detail", scan_id=scan.pk))


@portal_permission("scandocs.view")
def document_download(request, municipality, scan_id, document_id):
    """The only way to a scan document: through the scan's visibility (a director their own
    school's, the municipality submitted scans only). Served under its original name."""
    document = get_object_or_404(
        selectors.documents(access=request.access), pk=document_id, scan_id=scan_id
    )
    try:
        file = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        file,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response
