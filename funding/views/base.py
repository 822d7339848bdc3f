"""What every funding page shares: tenant URLs, the page's permission flags, the filtered
and exported list, and the form page of the write services."""

from functools import cached_property

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView

from portal.exceptions import ApplicationError
from portal.exports import export_response
from portal.http import tenant_reverse
from portal.pagination import keyset_page
from portal.permissions import PortalViewMixin


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
            queryset = self.get_queryset()
            rows = self.export_rows(
                queryset.iterator(chunk_size=2000) if not self.export_needs_prefetch else queryset
            )
            # A large XLSX becomes a background job (portal.exports; count asked only then).
            return export_response(
                rows,
                self.export_header,
                self.export_name,
                export,
                sheet_title=self.export_name,
                request=request,
                count=queryset.count,
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
