"""Findings with the review, the check button and its status, and the gap view."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from portal.domain import Theme
from portal.exceptions import ApplicationError
from portal.http import redirect_back
from portal.permissions import PortalViewMixin, portal_permission
from schools.selectors import scan_round

from .. import filters, forms, freshness, selectors
from ..labels import subject_label, theme_label
from ..models import CheckRun, Finding
from ..services import (
    checks,
)
from .base import FilteredListView, _url

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
    run = get_object_or_404(
        CheckRun.objects.filter(municipality=request.access.municipality), pk=check_run_id
    )
    # poll: the page around it still shows the old findings, so offer the fresh list
    return render(
        request,
        "funding/partials/check_run_status.html",
        {"run": run, "poll": True, "can_run": request.access.has("findings.run")},
    )


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
