"""Pages of the schools app: schools, the school page, scans with their workflow and documents,
the municipality's overview and the imports. Views are thin: a selector or a service each."""

import uuid

from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView, ListView, TemplateView
from django_filters.views import FilterView

from portal.dashboard import panels_for
from portal.domain import Sector, Theme
from portal.exceptions import ApplicationError
from portal.exports import export_response
from portal.permissions import PortalViewMixin, portal_permission

from . import selectors, services
from .filters import SchoolFilter
from .forms import (
    DocumentForm,
    ImportForm,
    InterventionForm,
    NeedsForm,
    ReviewForm,
    ScanCreateForm,
    SchoolForm,
    SchoolImportForm,
    WeightImportForm,
    school_year_choices,
)
from .models import ImportJob, Scan


def _url(request, name, **kwargs):
    return reverse(name, kwargs={"municipality": request.access.municipality.slug, **kwargs})


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
    """One page per school (capability 10): scans and needs over the years, its own
    interventions, the municipal activities that reach it, money per stream, and the panels
    other apps add (action items)."""

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
        if access.has("activities.view"):
            context["interventions"] = list(selectors.own_interventions(school=school))
            context["reaching"] = selectors.reaching_activities(school=school)
        if "scans" in context and "reaching" in context:
            context["coverage"] = _coverage(
                context["scans"], [*context["interventions"], *context["reaching"]]
            )
        if access.has("funding.view") or access.has("funding.aggregate"):
            spending = selectors.spending_per_stream(school=school)
            context["spending"] = spending
            context["spending_total"] = sum((row["total"] for row in spending), start=0)
        context["panels"] = panels_for(self.request, school, slot="school")
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


def _coverage(scans, activities):
    """Per serious need (moderate/severe) of each scan: the activities reaching the school on
    that theme during that school year, or none (a gap, checks.md G1). In memory, on what the
    page has loaded already."""
    from .models import school_year_bounds
    from .selectors import SERIOUS

    rows = []
    for scan in scans:
        start, end = school_year_bounds(scan.school_year)
        for need in scan.needs.all():
            if need.severity in SERIOUS:
                covering = [
                    a
                    for a in activities
                    if need.theme in a.themes and a.start <= end and start <= a.end
                ]
                rows.append((scan.school_year, need, covering))
    return rows


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
        school = self.get_school()
        try:
            services.school_update(actor=self.request.user, school=school, data=data)
        except ApplicationError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, _("De gegevens van de school zijn opgeslagen."))
        return redirect(_url(self.request, "schools:school_detail", school_id=school.pk))


# --- imports (upload -> preview -> confirm) ------------------------------------------


class ImportView(PortalViewMixin, TemplateView):
    """Upload a file, see the first rows and every error, then confirm. Between preview and
    confirm the file waits in private storage under imports/schools/<uuid>; only the session
    that uploaded it knows the token. Nothing is saved until the confirm, and then all or nothing."""

    template_name = "schools/import_form.html"
    form_class = ImportForm
    title = ""
    columns_help = ""
    kind = ""
    job_url_name = "schools:import_job"
    job_url_kwarg = "import_job_id"
    session_key = "schools_imports"

    def run(self, source, *, filename, dry_run, options):
        """The preview: a dry run of the importer on the upload."""
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form_class())
        context["title"] = self.title
        context["columns_help"] = self.columns_help
        # Earlier imports of this kind, so a background import that failed after the user
        # left its page is still seen (issue 10 §7).
        jobs = list(
            ImportJob.objects.filter(municipality=self.municipality, kind=self.kind)
            .select_related("created_by")
            .order_by("-created_at")[:10]
        )
        for job in jobs:
            job.url = _url(self.request, self.job_url_name, **{self.job_url_kwarg: job.pk})
        context["recent_jobs"] = jobs
        return context

    def post(self, request, *args, **kwargs):
        pending = request.session.get(self.session_key, {})
        token = request.POST.get("token")
        if token:
            upload = pending.pop(token, None)
            request.session[self.session_key] = pending
            if upload is None or upload["view"] != request.resolver_match.view_name:
                messages.error(request, _("Deze import is verlopen; upload het bestand opnieuw."))
                return redirect(request.path)
            # Confirmed: a background job imports the stored file (all or nothing); its page
            # shows the progress and the result.
            job = services.import_job_create(
                actor=request.user,
                municipality=self.municipality,
                kind=self.kind,
                path=upload["path"],
                filename=upload["filename"],
                options=upload["options"],
            )
            return redirect(_url(request, self.job_url_name, **{self.job_url_kwarg: job.pk}))

        form = self.form_class(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        upload = form.cleaned_data["file"]
        options = {k: v for k, v in form.cleaned_data.items() if k != "file"}
        result = self.run(upload, filename=upload.name, dry_run=True, options=options)
        context = {"form": form, "result": result, "filename": upload.name}
        if result.ok:
            token = uuid.uuid4().hex
            upload.seek(0)
            # Streamed to storage in chunks: the file is not held in memory a second time.
            path = default_storage.save(f"{services.IMPORT_UPLOADS}/{token}", upload)
            pending[token] = {
                "path": path,
                "filename": upload.name,
                "options": options,
                "view": request.resolver_match.view_name,
            }
            request.session[self.session_key] = pending
            context["token"] = token
        return self.render_to_response(
            self.get_context_data(**context), status=200 if result.ok else 400
        )


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
            "Het DUO-bestand 'adressen alle vestigingen' (klassiek of nieuw), zoals gedownload. "
            "Alleen scholen van deze gemeente worden geaccepteerd."
        )

    def run(self, source, *, filename, dry_run, options):
        return services.schools_import(
            actor=self.request.user,
            municipality=self.municipality,
            source=source,
            filename=filename,
            sector=options.get("sector") or None,
            dry_run=dry_run,
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
        return _(
            "Het CBS-bestand met de kolommen OVT (vestigingscode of BRIN|code), schoolweging en "
            "aantal_leerlingen."
        )

    def run(self, source, *, filename, dry_run, options):
        return services.weights_import(
            actor=self.request.user,
            municipality=self.municipality,
            source=source,
            school_year=options["school_year"],
            filename=filename,
            dry_run=dry_run,
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
        return _(
            "Kolommen: school, school_year, theme, severity (none, limited, moderate, severe), share_of_pupils."
        )

    def run(self, source, *, filename, dry_run, options):
        return services.needs_import(
            actor=self.request.user,
            municipality=self.municipality,
            source=source,
            filename=filename,
            dry_run=dry_run,
        )


class ImportJobView(PortalViewMixin, DetailView):
    """Progress and result of a confirmed import; the status fragment (``?fragment=1``) is
    polled by portal.js until the job is finished."""

    permission = "schools.import"
    kinds = ("schools", "weights")
    template_name = "schools/import_job.html"
    context_object_name = "job"
    pk_url_kwarg = "import_job_id"
    done_url_name = "schools:school_list"

    def get_queryset(self):
        return ImportJob.objects.filter(municipality=self.municipality, kind__in=self.kinds)

    def get_template_names(self):
        if self.request.GET.get("fragment"):
            return ["schools/partials/import_job_status.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["done_url"] = _url(self.request, self.done_url_name)
        return context


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
        editable = (
            scan.status == Scan.Status.DRAFT
            and self.access.has("scans.change")
            and scan.school_id in self.access.school_ids
        )
        context.update(
            editable=editable,
            document_form=DocumentForm(),
            review_form=ReviewForm()
            if self.access.has("scans.review") and scan.status == Scan.Status.SUBMITTED
            else None,
            can_view_documents=self.access.has("scandocs.view"),
        )
        return context


def _editable_scan(request, scan_id):
    """A scan of the director's own school (404 otherwise)."""
    return get_object_or_404(
        selectors.scans(access=request.access).filter(school_id__in=request.access.school_ids),
        pk=scan_id,
    )


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


class InterventionCreateView(PortalViewMixin, FormView):
    permission = "scans.change"
    template_name = "schools/intervention_form.html"
    form_class = InterventionForm

    def get(self, request, *args, **kwargs):
        return _unless_submitted(request, kwargs["scan_id"]) or super().get(
            request, *args, **kwargs
        )

    def post(self, request, *args, **kwargs):
        return _unless_submitted(request, kwargs["scan_id"]) or super().post(
            request, *args, **kwargs
        )

    def get_scan(self):
        if not hasattr(self, "scan"):
            self.scan = _editable_scan(self.request, self.kwargs["scan_id"])
        return self.scan

    def get_initial(self):
        from .models import school_year_bounds

        start, end = school_year_bounds(self.get_scan().school_year)
        return {"start": start, "end": end}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["scan"] = self.get_scan()
        return context

    def form_valid(self, form):
        scan = self.get_scan()
        try:
            services.scan_intervention_save(actor=self.request.user, scan=scan, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, _("De interventie is toegevoegd."))
        return redirect(_url(self.request, "schools:scan_detail", scan_id=scan.pk))


@portal_permission("scans.change")
@require_POST
def intervention_delete(request, municipality, scan_id, intervention_id):
    scan = _editable_scan(request, scan_id)
    activity = get_object_or_404(scan.interventions.all(), pk=intervention_id)
    try:
        services.scan_intervention_delete(actor=request.user, scan=scan, activity=activity)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("De interventie is verwijderd."))
    return redirect(_url(request, "schools:scan_detail", scan_id=scan.pk))


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
