"""Spending reports in the browser: request, follow the job, download, finalise, reopen.

Only the accountant and the policy officer of the municipality (``reports.*`` in the matrix);
every object is looked up inside the tenant scope, so another municipality's report is a 404."""

from django import forms
from django.contrib import messages
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from portal.exceptions import ApplicationError
from portal.fields import CountField, IdModelChoiceField
from portal.http import tenant_reverse
from portal.permissions import PortalViewMixin, portal_permission

from ..models import FundingStream, Grant, PeriodLock, SpendingReport
from . import jobs, locks

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ReportRequestForm(forms.Form):
    stream = IdModelChoiceField(
        label=gettext_lazy("Stroom"), queryset=FundingStream.objects.none(), to_field_name="code"
    )
    year = CountField(
        label=gettext_lazy("Jaar"),
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=gettext_lazy("Leeg laten voor de hele bestedingstermijn van de beschikkingen."),
    )

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        stream_ids = Grant.objects.filter(municipality=municipality).values("stream_id")
        self.fields["stream"].queryset = FundingStream.objects.filter(pk__in=stream_ids)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reden voor heropenen"), widget=forms.Textarea, max_length=2000
    )


def _report_url(request, report, name="funding:report_detail"):
    return tenant_reverse(name, request.access.tenant, report_id=report.pk)


class SpendingReportListView(PortalViewMixin, TemplateView):
    """All versions of the municipality's reports, the request form and the locked periods.
    Queries: session/user/memberships (middleware), streams for the form, reports (with
    stream and requester), active and reopened locks (with stream and users): fixed."""

    permission = "reports.view"
    template_name = "funding/reports/report_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = kwargs.get("form") or ReportRequestForm(municipality=self.municipality)
        context["reports"] = SpendingReport.objects.filter(
            municipality=self.municipality
        ).select_related("stream", "requested_by", "finalised_by", "same_as")[:200]
        context["locks"] = (
            PeriodLock.objects.filter(municipality=self.municipality)
            .select_related("stream", "locked_by", "reopened_by")
            .order_by("-locked_at")[:100]
        )
        context["can_request"] = self.access.has("reports.request")
        context["can_reopen"] = self.access.has("reports.reopen")
        return context

    def post(self, request, *args, **kwargs):
        self.access.require("reports.request")
        form = ReportRequestForm(request.POST, municipality=self.municipality)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            report, created = jobs.report_request(
                municipality=self.municipality,
                stream=form.cleaned_data["stream"],
                year=form.cleaned_data["year"],
                user=request.user,
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        if created:
            messages.success(
                request,
                _(
                    "De rapportage is aangevraagd en wordt op de achtergrond gemaakt. Zijn de "
                    "gegevens niet gewijzigd, dan krijgt u de bestaande versie."
                ),
            )
        else:
            messages.info(
                request,
                _("Deze rapportage wordt al gemaakt: die aanvraag wordt getoond."),
            )
        return redirect(_report_url(request, report))


def _get_report(request, report_id):
    return get_object_or_404(
        SpendingReport.objects.filter(municipality=request.access.municipality).select_related(
            "stream", "municipality", "requested_by", "finalised_by", "same_as"
        ),
        pk=report_id,
    )


def _detail_context(request, report):
    return {
        "report": report,
        "municipality": request.access.municipality,
        "can_request": request.access.has("reports.request"),
        "can_finalise": request.access.has("reports.finalise"),
    }


class SpendingReportDetailView(PortalViewMixin, TemplateView):
    permission = "reports.view"
    template_name = "funding/reports/report_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = _get_report(self.request, kwargs["report_id"])
        context.update(_detail_context(self.request, report))
        # Versions and builds still waiting for their number; unchanged requests are no version.
        context["versions"] = (
            SpendingReport.objects.filter(
                municipality=self.municipality, stream=report.stream, same_as__isnull=True
            )
            .filter(jobs._year_q(report.year))
            .select_related("requested_by")
            .order_by(F("version").desc(nulls_first=True), "-id")
        )
        context["active_lock"] = (
            PeriodLock.objects.filter(
                municipality=self.municipality,
                stream=report.stream,
                year=report.year,
                reopened_at__isnull=True,
            ).first()
            if report.year
            else None
        )
        return context


@portal_permission("reports.view")
def report_status(request, municipality, report_id):
    """The polled fragment: status, progress, then the downloads or the reason and retry."""
    report = _get_report(request, report_id)
    return render(
        request, "funding/reports/partials/report_status.html", _detail_context(request, report)
    )


def _download(request, report_id, kind):
    report = _get_report(request, report_id)
    try:
        payload, filename = jobs.report_file(report, kind)
    except ApplicationError as error:
        return HttpResponse(
            error.message,
            status=404 if report.status != SpendingReport.Status.DONE else 500,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(payload, content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Digest"] = f"sha-256={getattr(report.source, f'{kind}_sha256')}"
    return response


@portal_permission("reports.view")
def report_download_pdf(request, municipality, report_id):
    return _download(request, report_id, "pdf")


@portal_permission("reports.view")
def report_download_xlsx(request, municipality, report_id):
    return _download(request, report_id, "xlsx")


@portal_permission("reports.request")
@require_POST
def report_retry(request, municipality, report_id):
    report = _get_report(request, report_id)
    try:
        jobs.report_retry(report=report, user=request.user)
        messages.success(request, _("De rapportage wordt opnieuw gemaakt."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect(_report_url(request, report))


@portal_permission("reports.finalise")
@require_POST
def report_finalise(request, municipality, report_id):
    report = _get_report(request, report_id)
    try:
        locks.report_finalise(report=report, user=request.user)
        messages.success(
            request,
            _("Versie %(v)s is definitief; de regels van %(y)s zijn afgesloten.")
            # an unchanged request has no version of its own: the one it points at is final
            % {"v": report.source.version, "y": report.year},
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect(_report_url(request, report))


@portal_permission("reports.reopen")
def period_reopen(request, municipality, lock_id):
    lock = get_object_or_404(
        PeriodLock.objects.filter(municipality=request.access.municipality).select_related(
            "stream", "locked_by"
        ),
        pk=lock_id,
    )
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            locks.period_reopen(lock=lock, user=request.user, reason=form.cleaned_data["reason"])
            messages.success(
                request,
                _("%(stream)s %(year)s is heropend.")
                % {"stream": lock.stream.code, "year": lock.year},
            )
            return redirect(tenant_reverse("funding:report_list", request.access.tenant))
        except ApplicationError as error:
            form.add_error(None, error.message)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "funding/reports/period_reopen.html",
        {"lock": lock, "form": form, "municipality": request.access.municipality},
        status=status,
    )
