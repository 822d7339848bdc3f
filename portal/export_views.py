"""The pages of an XLSX export built by a job (portal.exports): its progress, then the
download. Only the user who asked, in the municipality of the URL, and still holding the
permission of the exported list: anyone else gets a 404 (another municipality's job, another
user's job) or the list's own 403."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from .exports import export_job_source_permission
from .models import ExportJob
from .permissions import PortalViewMixin, portal_permission
from .selectors import visible_export_jobs


def _get_job(request, export_job_id) -> ExportJob:
    job = get_object_or_404(
        visible_export_jobs(request).select_related("municipality"), pk=export_job_id
    )
    request.access.require(export_job_source_permission(job))
    return job


class ExportJobView(PortalViewMixin, TemplateView):
    """Progress of an export job ("wacht op verwerking", "bezig", "klaar" with the download,
    or "mislukt" with the reason); ``?fragment=1`` is the status panel portal.js polls.
    Queries: session, user, memberships (middleware), the job: fixed."""

    # Every member reaches the page; the job's own list permission is checked in _get_job.
    permission = "dashboard.view"
    template_name = "portal/export_job.html"

    def get_template_names(self):
        if self.request.GET.get("fragment"):
            return ["portal/partials/export_job_status.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["job"] = _get_job(self.request, kwargs["export_job_id"])
        return context

    def http_method_not_allowed(self, request, *args, **kwargs):
        _get_job(request, kwargs["export_job_id"])  # someone else's job: 404, not 405
        return super().http_method_not_allowed(request, *args, **kwargs)


@portal_permission("dashboard.view")
def export_job_download(request, municipality, export_job_id):
    """The finished file (404 while it is not ready)."""
    job = _get_job(request, export_job_id)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    response = FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=f"{job.name}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
