"""The one browser import of the portal (issue 9 §4): upload -> check (preview of the first
rows and every error) -> confirm -> background job with a progress page. Every import (schools,
weights, needs, grants, activities, expenditures) is a subclass setting ``kind`` (registered in
portal.imports.registry), ``form_class``, ``permission`` and its URL names.

The upload is streamed to private storage first and checked from there, so a large file is
never held in memory; between check and confirm it waits under imports/uploads/<uuid>, and only
the session that uploaded it knows the token. Nothing is saved until the confirm, and then all
or nothing, in the job."""

import uuid

from django.contrib import messages
from django.core.files.storage import default_storage
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import DetailView, TemplateView

from .. import uploads
from ..exceptions import ApplicationError
from ..models import ImportJob
from ..permissions import PortalViewMixin
from . import jobs, registry
from .forms import ImportForm

SESSION_KEY = "imports"


def tenant_url(request, name, **kwargs):
    """``reverse(name)`` within the current municipality."""
    return reverse(name, kwargs={"municipality": request.access.municipality.slug, **kwargs})


class ImportView(PortalViewMixin, TemplateView):
    """Upload, check, confirm. Subclasses set ``kind``, ``form_class``, ``title``,
    ``columns_help``, ``job_url_name`` and ``job_url_kwarg``."""

    template_name = "portal/imports/import_form.html"
    form_class = ImportForm
    title = ""
    columns_help = ""
    kind = ""
    job_url_name = ""
    job_url_kwarg = "import_job_id"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form_class())
        context["title"] = self.title
        context["columns_help"] = self.columns_help
        context["import_format"] = registry.get(self.kind).format
        # Earlier imports of this kind, so a background import that failed after the user
        # left its page is still seen (issue 10 §7).
        recent = list(
            ImportJob.objects.filter(municipality=self.municipality, kind=self.kind)
            .select_related("created_by")
            .order_by("-created_at")[:10]
        )
        for job in recent:
            job.url = tenant_url(self.request, self.job_url_name, **{self.job_url_kwarg: job.pk})
        context["recent_jobs"] = recent
        return context

    def check(self, source, *, filename, options):
        """The check: a dry run of the registered import on the stored upload."""
        return registry.get(self.kind).run(
            actor=self.request.user,
            municipality=self.municipality,
            source=source,
            filename=filename,
            dry_run=True,
            progress=None,
            **options,
        )

    def post(self, request, *args, **kwargs):
        pending = request.session.get(SESSION_KEY, {})
        token = request.POST.get("token")
        if token:
            upload = pending.pop(token, None)
            request.session[SESSION_KEY] = pending
            if upload is None or upload["view"] != request.resolver_match.view_name:
                messages.error(request, _("Deze import is verlopen; upload het bestand opnieuw."))
                return redirect(request.path)
            job = jobs.import_job_create(
                actor=request.user,
                municipality=self.municipality,
                kind=self.kind,
                path=upload["path"],
                filename=upload["filename"],
                options=upload["options"],
            )
            return redirect(tenant_url(request, self.job_url_name, **{self.job_url_kwarg: job.pk}))

        form = self.form_class(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        upload = form.cleaned_data["file"]
        options = {k: v for k, v in form.cleaned_data.items() if k != "file"}
        token = uuid.uuid4().hex
        # Streamed to storage in chunks and checked from there: never a whole copy in memory.
        path = default_storage.save(f"{jobs.IMPORT_UPLOADS}/{token}", upload)
        if upload.size > uploads.limit("IMPORT_INLINE_CHECK_MAX_SIZE", 2 * 1024 * 1024):
            # A large file is checked by a background job too: no request waits for it.
            job = jobs.import_job_check_create(
                actor=request.user,
                municipality=self.municipality,
                kind=self.kind,
                path=path,
                filename=upload.name,
                options=options,
            )
            return redirect(tenant_url(request, self.job_url_name, **{self.job_url_kwarg: job.pk}))
        with default_storage.open(path, "rb") as stored:
            result = self.check(stored, filename=upload.name, options=options)
        context = {"form": form, "result": result, "filename": upload.name}
        if result.ok:
            pending[token] = {
                "path": path,
                "filename": upload.name,
                "options": options,
                "view": request.resolver_match.view_name,
            }
            request.session[SESSION_KEY] = pending
            context["token"] = token
        else:
            default_storage.delete(path)
        return self.render_to_response(
            self.get_context_data(**context), status=200 if result.ok else 400
        )


class ImportJobView(PortalViewMixin, DetailView):
    """Progress and result of a confirmed import; the status fragment (``?fragment=1``) is
    polled by portal.js until the job is finished or checked; a checked job shows its preview
    and a confirm button (POST here). Subclasses set ``kinds``, ``permission``,
    ``pk_url_kwarg`` and ``done_url_name`` (a URL name, or a dict of them by kind)."""

    kinds: tuple[str, ...] = ()
    template_name = "portal/imports/import_job.html"
    context_object_name = "job"
    pk_url_kwarg = "import_job_id"
    done_url_name = ""

    def get_queryset(self):
        return ImportJob.objects.filter(municipality=self.municipality, kind__in=self.kinds)

    def get_template_names(self):
        if self.request.GET.get("fragment"):
            return ["portal/imports/partials/import_job_status.html"]
        return [self.template_name]

    def post(self, request, *args, **kwargs):
        """Confirm a checked import: the job runs again, now writing; or (``retry``) run a
        given-up job again on its stored upload."""
        job = self.get_object()
        try:
            if request.POST.get("retry"):
                jobs.import_job_retry(job=job, actor=request.user)
            else:
                jobs.import_job_confirm(job=job, actor=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect(request.path)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        name = self.done_url_name
        if isinstance(name, dict):
            name = name[self.object.kind]
        context["done_url"] = tenant_url(self.request, name)
        context["can_retry"] = jobs.import_job_retryable(self.object)
        return context
