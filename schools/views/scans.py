"""The scan pages: the list, the municipality's overview of a school year, a scan with its
workflow (fill in, submit, review or return) and its documents."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView, ListView, TemplateView

from portal.dashboard import panels_for
from portal.domain import Sector
from portal.exceptions import ApplicationError
from portal.exports import export_response
from portal.permissions import PortalViewMixin, portal_permission

from .. import selectors, services
from ..forms import DocumentForm, NeedsForm, ReviewForm, ScanCreateForm, school_year_choices
from ..models import Scan
from .base import page_url


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
        return redirect(page_url(self.request, "schools:scan_update", scan_id=scan.pk))


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
        return redirect(page_url(request, "schools:scan_detail", scan_id=scan.pk))
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
        return redirect(page_url(self.request, "schools:scan_detail", scan_id=self.scan.pk))


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
    return redirect(page_url(request, "schools:scan_detail", scan_id=scan.pk))


@portal_permission("scans.review")
@require_POST
def scan_review(request, municipality, scan_id):
    scan = get_object_or_404(selectors.scans(access=request.access), pk=scan_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Kies of de scan beoordeeld is of wordt teruggestuurd."))
        return redirect(page_url(request, "schools:scan_detail", scan_id=scan.pk))
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
    return redirect(page_url(request, "schools:scan_detail", scan_id=scan.pk))


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
    return redirect(page_url(request, "schools:scan_detail", scan_id=scan.pk))


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
