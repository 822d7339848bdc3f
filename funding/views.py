"""Pages of the funding app: lists (filters, sorting, pagination, CSV/XLSX export), forms,
imports (upload -> preview -> confirm), findings with the check button, and the gap view."""

from functools import cached_property

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView, TemplateView

from portal.domain import Theme
from portal.exceptions import ApplicationError
from portal.exports import export_response
from portal.http import redirect_back, tenant_reverse
from portal.imports import views as imports_views
from portal.pagination import keyset_page
from portal.permissions import PortalViewMixin, portal_permission
from schools import selectors as school_selectors
from schools.selectors import scan_round

from . import filters, forms, freshness, selectors
from .labels import subject_label, theme_label
from .models import Finding, Grant
from .services import (
    activities as activity_services,
)
from .services import (
    checks,
)
from .services import (
    expenditures as expenditure_services,
)
from .services import (
    grants as grant_services,
)


def _url(request, name, **kwargs):
    return tenant_reverse(f"funding:{name}", request.access.tenant, **kwargs)


class FlagsMixin:
    """What the page may offer the user (buttons), from the same permission matrix."""

    change_permission = "funding.change"
    import_permission = "funding.import"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        has = self.access.has
        context.update(
            perms_change=has(self.change_permission),
            can_change=has(self.change_permission),
            perms_import=has(self.import_permission),
            can_sign_off=has("signoff.change"),
            can_run=has("findings.run"),
            can_review=has("findings.review"),
        )
        return context


class _Count:
    """The ``paginator`` of a keyset-paged list: only its ``count`` (one COUNT, when shown)."""

    def __init__(self, queryset):
        self.queryset = queryset

    @cached_property
    def count(self):
        return self.queryset.count()


class FilteredListView(FlagsMixin, PortalViewMixin, ListView):
    """A list with a django-filter FilterSet and ``?export=csv|xlsx`` of the filtered rows."""

    filterset_class = None
    paginate_by = 50
    export_name = "export"
    export_header: list = []

    def base_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        self.filterset = self.filterset_class(
            self.request.GET or None, queryset=self.base_queryset(), request=self.request
        )
        qs = self.filterset.qs if self.filterset.is_bound else self.filterset.queryset
        return qs.distinct() if self.filterset.is_bound and self.request.GET.get("stream") else qs

    def export_rows(self, queryset):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            rows = self.export_rows(
                self.get_queryset().iterator(chunk_size=2000)
                if not self.export_needs_prefetch
                else self.get_queryset()
            )
            return export_response(
                rows, self.export_header, self.export_name, export, sheet_title=self.export_name
            )
        return super().get(request, *args, **kwargs)

    export_needs_prefetch = False
    # Keyset pagination (portal.pagination) instead of OFFSET pages: for lists that grow with
    # the data; the template includes partials/keyset_pagination.html.
    keyset = False

    def paginate_queryset(self, queryset, page_size):
        if not self.keyset:
            return super().paginate_queryset(queryset, page_size)
        page = keyset_page(queryset, self.request.GET, page_size)
        return _Count(queryset), page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("export", None)
        context["query"] = query.urlencode()
        return context


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


class _FormView(PortalViewMixin, TemplateView):
    """Create (no object id) or update: the form parses, the service writes."""

    form_class = None
    object_kwarg = None
    template_name = "funding/object_form.html"
    title = ""

    def get_object(self):
        return None

    def get_form(self, data=None, instance=None):
        return self.form_class(data, instance=instance, municipality=self.municipality)

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        return self.render_to_response(
            self.get_context_data(form=self.get_form(instance=obj), object=obj)
        )

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        form = self.get_form(request.POST, instance=obj)
        if form.is_valid():
            try:
                saved = self.save(form, obj)
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Opgeslagen."))
                return redirect(self.success_url(saved))
        return self.render_to_response(self.get_context_data(form=form, object=obj), status=400)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.title
        return context

    @staticmethod
    def _fresh(obj):
        """The stored state, for the service (the form has already written into ``obj``)."""
        return type(obj)._base_manager.get(pk=obj.pk)

    def version(self, form):
        return form.cleaned_data.get("version") or 0


class GrantCreateView(_FormView):
    permission = "funding.change"
    form_class = forms.GrantForm
    title = gettext_lazy("Nieuwe beschikking")

    def save(self, form, obj):
        return grant_services.grant_create(
            municipality=self.municipality, actor=self.request.user, data=form.data_for_service()
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
            data=form.data_for_service(),
            version=self.version(form),
        )


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
        data = form.data_for_service()
        return activity_services.activity_create(
            municipality=self.municipality,
            actor=self.request.user,
            data=data,
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
            data=form.data_for_service(),
            version=self.version(form),
            schools=list(form.cleaned_data["schools"]),
            funding=form.cleaned_data["funding"],
        )


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
            municipality=self.municipality, actor=self.request.user, data=form.data_for_service()
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
            data=form.data_for_service(),
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


# --- imports -------------------------------------------------------------------------------------


class ImportView(imports_views.ImportView):
    """The portal's one browser import; the confirmed import runs as a background job."""

    job_url_name = "funding:import_job"
    job_url_kwarg = "funding_import_job_id"

    @property
    def columns_help(self):
        return _(
            "Een bestand met de kolommen hieronder, zoals uw financiële systeem het exporteert."
        )


class GrantImportView(ImportView):
    permission = "funding.import"
    kind = "grants"
    title = gettext_lazy("Beschikkingen importeren")


class ActivityImportView(ImportView):
    permission = "activities.import"
    kind = "activities"
    title = gettext_lazy("Activiteiten importeren")
    job_url_name = "funding:activity_import_job"
    job_url_kwarg = "activity_import_job_id"


class ExpenditureImportView(ImportView):
    permission = "funding.import"
    kind = "expenditures"
    title = gettext_lazy("Bestedingen importeren")


class ImportJobView(imports_views.ImportJobView):
    permission = "funding.import"
    kinds = ("grants", "expenditures")
    pk_url_kwarg = "funding_import_job_id"
    done_url_name = {"grants": "funding:grant_list", "expenditures": "funding:expenditure_list"}


class ActivityImportJobView(ImportJobView):
    permission = "activities.import"
    kinds = ("activities",)
    pk_url_kwarg = "activity_import_job_id"
    done_url_name = {"activities": "funding:activity_list"}


# --- findings and checks -------------------------------------------------------------------------


class FindingListView(FilteredListView):
    permission = "findings.view"
    template_name = "funding/finding_list.html"
    filterset_class = filters.FindingFilter
    context_object_name = "findings"
    export_name = "bevindingen"
    export_needs_prefetch = True
    keyset = True  # rule, amount (NULL lowest), id: portal.pagination orders NULLs alike
    export_header = [
        "regel",
        "ernst",
        "status",
        "onderwerpen",
        "school",
        "thema",
        "bedrag",
        "melding",
        "toelichting",
    ]

    def base_queryset(self):
        return selectors.findings(municipality=self.municipality).order_by("rule", "-amount", "id")

    def export_rows(self, qs):
        for f in qs:
            yield [
                f.rule,
                f.get_severity_display(),
                f.get_status_display(),
                # labels for people; the machine keys stay in check_overlaps' JSON (interchange.md)
                "; ".join(subject_label(s) for s in sorted(f.subjects)),
                f.school.code if f.school_id else "",
                theme_label(f.theme) if f.theme else "",
                f.amount,
                f.message,
                f.reason,
            ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        links = selectors.subject_links(context["findings"], self.municipality)
        names = {
            "expenditure": "expenditure_detail",
            "grant": "grant_detail",
            "activity": "activity_detail",
        }
        kwargs_name = {
            "expenditure": "expenditure_id",
            "grant": "grant_id",
            "activity": "activity_id",
        }
        for finding in context["findings"]:
            finding.subject_links = []
            for subject in sorted(finding.subjects):
                target = links.get(subject)
                url = (
                    _url(self.request, names[target[0]], **{kwargs_name[target[0]]: target[1]})
                    if target
                    else (_url(self.request, "gap_view") if subject.startswith("need:") else None)
                )
                finding.subject_links.append((subject, url))
        counts = selectors.finding_counts(municipality=self.municipality)
        context["counts"] = [
            (value, label, counts.get(value, {"open": 0, "total": 0}))
            for value, label in Finding.Rule.choices
        ]
        context["run"] = selectors.latest_check_run(municipality=self.municipality)
        context["freshness"] = freshness.check_state(municipality=self.municipality)
        context["settled"] = freshness.recently_resolved(municipality=self.municipality)[:20]
        context["review_form"] = forms.ReviewForm()
        # a refused review's error, shown next to the field of its own finding's row
        context["review_error"] = self.request.session.pop("finding_review_error", None)
        return context


@portal_permission("findings.review")
@require_POST
def finding_review(request, municipality, finding_id):
    finding = get_object_or_404(
        selectors.findings(municipality=request.access.municipality), pk=finding_id
    )
    form = forms.ReviewForm(request.POST)
    error = None
    if form.is_valid():
        try:
            checks.finding_review(finding=finding, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _("Bevinding %(rule)s: %(status)s.")
                % {"rule": finding.rule, "status": finding.get_status_display()},
            )
    else:
        error = _("Kies een beoordeling.")
    if error:
        # shown next to the reason field of this finding's row, not at the top of the page
        request.session["finding_review_error"] = {
            "finding": finding.pk,
            "message": str(error),
            "reason": request.POST.get("reason", "")[:2000],
        }
    # back to the filtered, paged list the review came from, at this finding's row
    response = redirect_back(request, _url(request, "finding_list"))
    response["Location"] += f"#finding-{finding.pk}"
    return response


@portal_permission("findings.run")
@require_POST
def check_run_start(request, municipality):
    run = checks.check_run_request(municipality=request.access.municipality, actor=request.user)
    messages.info(request, _("De controle is gestart."))
    return redirect(_url(request, "finding_list") + f"?run={run.pk}")


@portal_permission("findings.view")
def check_run_status(request, municipality, check_run_id):
    """The fragment the findings page polls (static/js/portal.js) until the run is finished."""
    from .models import CheckRun

    run = get_object_or_404(
        CheckRun.objects.filter(municipality=request.access.municipality), pk=check_run_id
    )
    # poll: the page around it still shows the old findings, so offer the fresh list
    return render(request, "funding/partials/check_run_status.html", {"run": run, "poll": True})


SCHOOLS_PER_PAGE = 50


class GapView(PortalViewMixin, TemplateView):
    """Themes x schools of the needs (moderate/severe) in visible scans, covered or not per the
    last check run (G1), with schools sharing an uncovered need grouped."""

    permission = "findings.view"
    template_name = "funding/gap_view.html"

    def get_context_data(self, **kwargs):
        from schools.models import Need, Scan

        context = super().get_context_data(**kwargs)
        school_year = self.request.GET.get("schooljaar") or scan_round(
            municipality=self.municipality
        )
        scans = Scan.objects.filter(
            municipality=self.municipality, school_year=school_year
        ).visible_to_municipality()
        needs = list(
            Need.objects.filter(scan__in=scans, severity__in=checks.NEED_SEVERITIES)
            .select_related("scan__school")
            .order_by("scan__school__name", "theme")
        )
        uncovered = {
            tuple(s)
            for s in Finding.objects.filter(
                municipality=self.municipality, rule="G1", active=True
            ).values_list("subjects", flat=True)
        }
        schools, themes, cells, groups = {}, [], {}, {}
        labels = dict(Theme.choices)
        for need in needs:
            school = need.scan.school
            schools[school.pk] = school
            if need.theme not in themes:
                themes.append(need.theme)
            subject = f"need:{school.code}/{school_year}/{need.theme}"
            covered = (subject,) not in uncovered
            cells[(school.pk, need.theme)] = {
                "severity": need.severity,
                "covered": covered,
                "label": need.get_severity_display(),
            }
            if not covered:
                groups.setdefault(need.theme, []).append(school)
        themes.sort()
        context["school_year"] = school_year
        context["themes"] = [(t, labels.get(t, t)) for t in themes]
        # Paged by school (issue 14 §1): 50 rows of the heat map, the groups below stay whole.
        page = Paginator(list(schools.values()), SCHOOLS_PER_PAGE).get_page(
            self.request.GET.get("page")
        )
        context["page_obj"] = page
        context["rows"] = [
            (school, [cells.get((school.pk, t)) for t in themes]) for school in page.object_list
        ]
        context["groups"] = sorted(
            ((labels.get(t, t), members) for t, members in groups.items()),
            key=lambda g: (-len(g[1]), g[0]),
        )
        context["run"] = selectors.latest_check_run(municipality=self.municipality)
        return context
