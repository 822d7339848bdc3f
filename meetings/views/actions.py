"""Action item pages: create from a meeting, record reviews, the filtered list and its export,
bulk status, detail, progress and update."""

from functools import cached_property

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django.views.generic import ListView, TemplateView

from portal.exceptions import ApplicationError
from portal.exports import export_response
from portal.pagination import KeysetPage, keyset_page

from .. import links, selectors, services
from ..filters import ActionFilter
from ..forms import (
    ActionForm,
    BulkStatusForm,
    ProgressForm,
)
from ..models import ActionItem, ActionReview
from .base import (
    MeetingsViewMixin,
    _action,
    _back,
    _meeting,
    meetings_permission,
    tenant_url,
)

# --- action items --------------------------------------------------------------------------


class ActionCreateView(MeetingsViewMixin, TemplateView):
    permission = "actions.change"
    template_name = "meetings/action_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting = kwargs.get("meeting") or self.get_meeting()
        initial = {}
        item_id = self.request.GET.get("agenda_item")
        if item_id and item_id.isdigit():
            initial["agenda_item"] = item_id
        context.update(
            meeting=meeting,
            form=kwargs.get("form")
            or ActionForm(meeting=meeting, access=self.access, initial=initial),
        )
        return context

    def post(self, request, *args, **kwargs):
        meeting = self.get_meeting()
        form = ActionForm(request.POST, meeting=meeting, access=self.access)
        if form.is_valid():
            relations = {k: form.cleaned_data.get(k) for k in ("schools", "activities")}
            data = {k: v for k, v in form.cleaned_data.items() if k not in relations}
            try:
                services.action_create(actor=request.user, meeting=meeting, **data, **relations)
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                item = data.get("agenda_item")
                if item:
                    # say where it went: under its agenda item, not in the meeting's own list
                    messages.success(
                        request,
                        _("Actiepunt vastgelegd bij agendapunt “%(item)s”.") % {"item": item.title},
                    )
                    return redirect(f"{meeting.get_absolute_url()}#item-{item.pk}")
                messages.success(request, _("Actiepunt vastgelegd."))
                return redirect(meeting.get_absolute_url() + "#actiepunten")
        return self.render_to_response(
            self.get_context_data(form=form, meeting=meeting), status=400
        )


@meetings_permission("actions.change")
@require_POST
def reviews_record(request, **kwargs):
    """The review block of a meeting: per carried-over action a status and a note."""
    meeting = _meeting(request, kwargs)
    reviews = selectors.meeting_reviews(access=request.access, user=request.user, meeting=meeting)
    valid = set(ActionItem.Status.values)
    entries = []
    for review in reviews:
        status = request.POST.get(f"status-{review.pk}", "")
        note = request.POST.get(f"note-{review.pk}", "")
        if status and status not in valid:
            messages.error(request, _("Onbekende status."))
            return redirect(meeting.get_absolute_url() + "#bespreking")
        entries.append((review, status, note))
    count = services.reviews_record(actor=request.user, meeting=meeting, entries=entries)
    messages.success(
        request,
        ngettext("%(n)d actiepunt bijgewerkt.", "%(n)d actiepunten bijgewerkt.", count)
        % {"n": count},
    )
    return redirect(meeting.get_absolute_url() + "#bespreking")


class _Count:
    """The ``paginator`` of a keyset-paged list: only its ``count`` (one COUNT, when shown)."""

    def __init__(self, queryset):
        self.queryset = queryset

    @cached_property
    def count(self):
        return self.queryset.count()


class ActionListView(MeetingsViewMixin, ListView):
    """The chair's action list: filters, sorting, bulk status change, export."""

    permission = "actions.view"
    template_name = "meetings/action_list.html"
    context_object_name = "actions"
    paginate_by = 50

    def get_filter(self):
        base = selectors.action_list(access=self.access, user=self.request.user).order_by(
            "due_date", "id"
        )
        return ActionFilter(self.request.GET or None, queryset=base, request=self.request)

    def get_queryset(self):
        self.filterset = self.get_filter()
        return self.filterset.qs

    def paginate_queryset(self, queryset, page_size):
        """Keyset pages (portal.pagination, issue 14 §1) for the default order and the sorts on
        the action's own columns (due date, status, organisation, created); sorting by the
        meeting's date orders by another table's column, which the keyset cursor does not
        cover, so that sort keeps numbered pages."""
        try:
            page = keyset_page(queryset, self.request.GET, page_size)
        except ValueError:
            return super().paginate_queryset(queryset, page_size)
        return _Count(queryset), page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        for key in ("after", "before", "last"):
            query.pop(key, None)
        context.update(
            keyset=isinstance(context.get("page_obj"), KeysetPage),
            filter=self.filterset,
            query=query.urlencode(),
            today=timezone.localdate(),
            can_bulk=self.access.has("actions.change"),
            status_choices=ActionItem.Status.choices,
        )
        return context


EXPORT_HEADER = [
    "id",
    "omschrijving",
    "eigenaar",
    "organisatie",
    "uiterlijk",
    "status",
    "te laat",
    "thema",
    "overleg",
    "datum overleg",
    "agendapunt",
    "scholen",
    "activiteiten",
    "aantal overleggen",
]


def _export_rows(actions, today):
    for a in actions:
        yield [
            a.pk,
            a.description,
            a.owner_display,
            a.owner_organisation,
            a.due_date,
            a.get_status_display(),
            bool(a.is_open and a.due_date and a.due_date < today),
            a.get_theme_display(),
            a.meeting.title,
            timezone.localtime(a.meeting.starts_at).date(),
            a.agenda_item.title if a.agenda_item else "",
            ", ".join(s.code for s in a.schools.all()),
            ", ".join(x.code for x in a.activities.all()),
            a.meeting_count,
        ]


@meetings_permission("actions.view")
def action_export(request, **kwargs):
    """The filtered action list as CSV or XLSX."""
    base = selectors.actions(access=request.access, user=request.user).order_by("due_date", "id")
    actions = ActionFilter(request.GET or None, queryset=base, request=request).qs
    today = timezone.localdate()
    rows = _export_rows(actions.iterator(chunk_size=2000), today)
    stamp = f"{today:%Y%m%d}"
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    # A large XLSX becomes a background job (portal.exports; count asked only then).
    return export_response(
        rows,
        EXPORT_HEADER,
        f"actiepunten-{stamp}",
        fmt,
        sheet_title="Actiepunten",
        request=request,
        count=actions.count,
    )


@meetings_permission("actions.change")
@require_POST
def action_bulk(request, **kwargs):
    """Give the selected actions of the list one status."""
    form = BulkStatusForm(
        request.POST, queryset=selectors.visible_actions(access=request.access, user=request.user)
    )
    if form.is_valid():
        count = services.actions_bulk_status(
            actor=request.user,
            actions=form.cleaned_data["actions"],
            status=form.cleaned_data["status"],
        )
        messages.success(
            request,
            ngettext("%(n)d actiepunt bijgewerkt.", "%(n)d actiepunten bijgewerkt.", count)
            % {"n": count},
        )
    else:
        messages.error(request, _("Kies een status en ten minste één actiepunt."))
    return _back(request, tenant_url(request.access, "action_list"))


class ActionDetailView(MeetingsViewMixin, TemplateView):
    permission = "actions.view"
    template_name = "meetings/action_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        action = _action(self.request, self.kwargs)
        can_update = selectors.can_update_action(self.access, self.request.user, action)
        context.update(
            action=action,
            notes=action.notes.select_related("author"),
            reviews=ActionReview.objects.filter(action=action)
            .select_related("meeting", "recorded_by")
            .order_by("meeting__starts_at"),
            can_update=can_update,
            can_change=self.access.has("actions.change"),
            progress_form=kwargs.get("progress_form")
            or (ProgressForm(initial={"status": action.status}) if can_update else None),
            external_link=links.action_link(action)
            if action.is_external and action.owner_email and self.access.has("actions.change")
            else "",
            today=timezone.localdate(),
        )
        return context


@meetings_permission("actions.update_own")
@require_POST
def action_progress(request, **kwargs):
    """An owner's update: status and a progress note (directors: only their own actions)."""
    action = _action(request, kwargs)
    if not selectors.can_update_action(request.access, request.user, action):
        raise PermissionDenied
    form = ProgressForm(request.POST)
    if form.is_valid():
        try:
            services.action_progress(actor=request.user, action=action, **form.cleaned_data)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Voortgang opgeslagen."))
    else:
        messages.error(request, _("Kies een geldige status."))
    return redirect(action.get_absolute_url())


class ActionUpdateView(MeetingsViewMixin, TemplateView):
    permission = "actions.change"
    template_name = "meetings/action_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        action = kwargs.get("action") or _action(self.request, self.kwargs)
        context.update(
            action=action,
            meeting=action.meeting,
            form=kwargs.get("form") or ActionForm(instance=action, access=self.access),
        )
        return context

    def post(self, request, *args, **kwargs):
        action = _action(request, self.kwargs)
        form = ActionForm(
            request.POST, instance=ActionItem.objects.get(pk=action.pk), access=self.access
        )
        if form.is_valid():
            relations = {k: form.cleaned_data.get(k) for k in ("schools", "activities")}
            data = {k: v for k, v in form.cleaned_data.items() if k not in relations}
            try:
                services.action_update(actor=request.user, action=action, **data, **relations)
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Actiepunt bijgewerkt."))
                return redirect(action.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form, action=action), status=400)
