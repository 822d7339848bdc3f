"""Pages of the meetings app. Thin: parse, call a selector or a service, render.

Every view serves both tenants: ``/<municipality>/overleg/...`` and
``/regio/<region>/overleg/...`` (regional routes name their object kwargs ``region_<kwarg>``,
see urls.py). Objects are always fetched through a selector of the page's tenant and user.
"""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import ListView, TemplateView
from django_scopes import scopes_disabled

from portal.exceptions import ApplicationError
from portal.http import redirect_back
from portal.imports import write_csv, write_xlsx
from portal.permissions import PortalViewMixin, portal_permission

from . import documents, links, records, selectors, services
from .filters import ActionFilter
from .forms import (
    ActionForm,
    AgendaItemForm,
    AttachmentForm,
    BulkStatusForm,
    DecisionForm,
    MeetingForm,
    MeetingUpdateForm,
    ParticipantForm,
    ProgressForm,
    StandingItemForm,
)
from .ics import meeting_ics
from .models import ActionItem, ActionReview, MeetingSeries


def kw(kwargs, name):
    """An object id from the URL: ``meeting_id`` on municipal routes, ``region_meeting_id`` on
    regional ones."""
    value = kwargs.get(name, kwargs.get(f"region_{name}"))
    if value is None:
        raise Http404
    return value


def tenant_url(access, name, **kwargs):
    if access.region is not None:
        return reverse(
            f"meetings:region_{name}",
            kwargs={"region": access.region.slug, **{f"region_{k}": v for k, v in kwargs.items()}},
        )
    return reverse(f"meetings:{name}", kwargs={"municipality": access.municipality.slug, **kwargs})


def tenant_kwargs(access):
    return {"municipality": access.municipality, "region": access.region}


def _guard(access):
    # A coordinator reaches a municipality's pages only through the region; municipal
    # meetings are not theirs (roles.md): the area does not exist for them there.
    if not selectors.sees_tenant_meetings(access):
        raise Http404


class MeetingsViewMixin(PortalViewMixin):
    def dispatch(self, request, *args, **kwargs):
        access = getattr(request, "access", None)
        if access is not None and self.permission and access.has(self.permission):
            _guard(access)
        return super().dispatch(request, *args, **kwargs)

    def url(self, name, **kwargs):
        return tenant_url(self.access, name, **kwargs)

    def get_meeting(self):
        return get_object_or_404(
            selectors.meetings(access=self.access, user=self.request.user),
            pk=kw(self.kwargs, "meeting_id"),
        )


def meetings_permission(permission):
    """``portal_permission`` plus the coordinator rule of :func:`_guard`, for function views."""

    def decorator(view):
        @portal_permission(permission)
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            _guard(request.access)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _meeting(request, kwargs):
    return get_object_or_404(
        selectors.meetings(access=request.access, user=request.user), pk=kw(kwargs, "meeting_id")
    )


def _action(request, kwargs):
    return get_object_or_404(
        selectors.actions(access=request.access, user=request.user), pk=kw(kwargs, "action_id")
    )


def _back(request, fallback):
    return redirect_back(request, resolve_url(fallback))


# --- meetings ------------------------------------------------------------------------------


class MeetingListView(MeetingsViewMixin, ListView):
    permission = "meetings.view"
    template_name = "meetings/meeting_list.html"
    context_object_name = "meetings"
    paginate_by = 25

    def get_queryset(self):
        return selectors.meeting_list(access=self.access, user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["series_list"] = selectors.series(access=self.access)
        context["can_change"] = self.access.has("meetings.change")
        context["now"] = timezone.now()
        return context


class MeetingCreateView(MeetingsViewMixin, TemplateView):
    permission = "meetings.change"
    template_name = "meetings/meeting_form.html"

    def get_form(self):
        series_qs = selectors.series(access=self.access)
        initial = {"chair": self.request.user.pk}
        series_id = self.request.GET.get("series")
        if series_id and series_id.isdigit():
            series = series_qs.filter(pk=series_id).first()
            if series:
                initial.update(
                    series=series.pk,
                    type=series.type,
                    title=series.name,
                    chair=series.chair_id or self.request.user.pk,
                )
        return MeetingForm(
            self.request.POST or None,
            access=self.access,
            series_queryset=series_qs,
            initial=initial,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = kwargs.get("form") or self.get_form()
        context["creating"] = True
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid():
            data = dict(form.cleaned_data)
            new_series = data.pop("new_series_name")
            try:
                if new_series:
                    data["series"] = services.series_create(
                        actor=request.user,
                        **tenant_kwargs(self.access),
                        type=data["type"],
                        name=new_series,
                        chair=data["chair"],
                    )
                meeting = services.meeting_create(
                    actor=request.user, **tenant_kwargs(self.access), **data
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Overleg gepland."))
                return redirect(meeting.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form), status=400)


class MeetingDetailView(MeetingsViewMixin, TemplateView):
    permission = "meetings.view"
    template_name = "meetings/meeting_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        try:
            meeting = selectors.meeting_detail(
                access=self.access, user=user, pk=kw(self.kwargs, "meeting_id")
            )
        except selectors.Meeting.DoesNotExist:
            raise Http404 from None
        actions = list(selectors.meeting_actions(access=self.access, user=user, meeting=meeting))
        by_item = {}
        for action in actions:
            by_item.setdefault(action.agenda_item_id, []).append(action)
        items = list(meeting.agenda_items.all())
        for item in items:
            item.action_list = by_item.get(item.pk, [])
        context.update(
            meeting=meeting,
            agenda_items=items,
            loose_actions=by_item.get(None, []),
            reviews=list(selectors.meeting_reviews(access=self.access, user=user, meeting=meeting)),
            can_change=self.access.has("meetings.change"),
            can_change_actions=self.access.has("actions.change"),
            sees_actions=self.access.has("actions.view"),
            participant_form=ParticipantForm(access=self.access)
            if self.access.has("meetings.change")
            else None,
            attachment_form=AttachmentForm() if self.access.has("meetings.change") else None,
            status_choices=ActionItem.Status.choices,
            sent_documents=list(records.sent_documents(meeting))
            if records.sees_every_action(self.access)
            else [],
        )
        return context


class MeetingUpdateView(MeetingsViewMixin, TemplateView):
    permission = "meetings.change"
    template_name = "meetings/meeting_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting = kwargs.get("meeting") or self.get_meeting()
        context["meeting"] = meeting
        context["form"] = kwargs.get("form") or MeetingUpdateForm(
            instance=meeting, access=self.access
        )
        return context

    def post(self, request, *args, **kwargs):
        meeting = self.get_meeting()
        form = MeetingUpdateForm(
            request.POST, instance=selectors.Meeting.objects.get(pk=meeting.pk), access=self.access
        )
        if form.is_valid():
            try:
                services.meeting_update(actor=request.user, meeting=meeting, data=form.cleaned_data)
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Overleg bijgewerkt."))
                return redirect(meeting.get_absolute_url())
        return self.render_to_response(
            self.get_context_data(form=form, meeting=meeting), status=400
        )


@meetings_permission("meetings.change")
@require_POST
def participant_add(request, **kwargs):
    meeting = _meeting(request, kwargs)
    form = ParticipantForm(request.POST, access=request.access)
    if form.is_valid():
        try:
            services.participant_add(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Deelnemer toegevoegd."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(meeting.get_absolute_url() + "#deelnemers")


@meetings_permission("meetings.change")
@require_POST
def participant_remove(request, **kwargs):
    meeting = _meeting(request, kwargs)
    participant = get_object_or_404(meeting.participants.all(), pk=kw(kwargs, "participant_id"))
    services.participant_remove(actor=request.user, participant=participant)
    messages.success(request, _("Deelnemer verwijderd."))
    return redirect(meeting.get_absolute_url() + "#deelnemers")


@meetings_permission("meetings.change")
@require_POST
def attachment_upload(request, **kwargs):
    meeting = _meeting(request, kwargs)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Bijlage toegevoegd."))
    else:
        messages.error(request, _("Kies een bestand."))
    return redirect(meeting.get_absolute_url() + "#bijlagen")


@meetings_permission("meetings.view")
def attachment_download(request, **kwargs):
    meeting = _meeting(request, kwargs)
    attachment = get_object_or_404(meeting.attachments.all(), pk=kw(kwargs, "attachment_id"))
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.file.name.rsplit("/", 1)[-1].split("-", 1)[-1],
    )


# --- agenda and decisions -------------------------------------------------------------------


class AgendaItemFormView(MeetingsViewMixin, TemplateView):
    permission = "meetings.change"
    template_name = "meetings/agenda_item_form.html"

    def get_item(self, meeting):
        if "agenda_item_id" in self.kwargs or "region_agenda_item_id" in self.kwargs:
            return get_object_or_404(
                meeting.agenda_items.all(), pk=kw(self.kwargs, "agenda_item_id")
            )
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting = kwargs.get("meeting") or self.get_meeting()
        item = kwargs.get("item") if "item" in kwargs else self.get_item(meeting)
        context.update(
            meeting=meeting,
            item=item,
            form=kwargs.get("form") or AgendaItemForm(instance=item, access=self.access),
        )
        return context

    def post(self, request, *args, **kwargs):
        meeting = self.get_meeting()
        item = self.get_item(meeting)
        form = AgendaItemForm(request.POST, instance=item, access=self.access)
        if form.is_valid():
            links_ = {k: form.cleaned_data.get(k) for k in ("schools", "activities", "grants")}
            data = {k: v for k, v in form.cleaned_data.items() if k not in links_}
            try:
                services.agenda_item_save(
                    actor=request.user, meeting=meeting, item=item, data=data, **links_
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Agendapunt opgeslagen."))
                return redirect(meeting.get_absolute_url() + "#agenda")
        return self.render_to_response(
            self.get_context_data(form=form, meeting=meeting, item=item), status=400
        )


class AgendaItemCreateView(AgendaItemFormView):
    pass


class AgendaItemUpdateView(AgendaItemFormView):
    pass


@meetings_permission("meetings.change")
@require_POST
def agenda_item_delete(request, **kwargs):
    meeting = _meeting(request, kwargs)
    item = get_object_or_404(meeting.agenda_items.all(), pk=kw(kwargs, "agenda_item_id"))
    try:
        services.agenda_item_delete(actor=request.user, item=item)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Agendapunt verwijderd."))
    return redirect(meeting.get_absolute_url() + "#agenda")


class DecisionCreateView(MeetingsViewMixin, TemplateView):
    permission = "meetings.change"
    template_name = "meetings/decision_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting = self.get_meeting()
        context.update(
            meeting=meeting,
            item=get_object_or_404(
                meeting.agenda_items.all(), pk=kw(self.kwargs, "agenda_item_id")
            ),
            form=kwargs.get("form") or DecisionForm(access=self.access),
        )
        return context

    def post(self, request, *args, **kwargs):
        meeting = self.get_meeting()
        item = get_object_or_404(meeting.agenda_items.all(), pk=kw(self.kwargs, "agenda_item_id"))
        form = DecisionForm(request.POST, access=self.access)
        if form.is_valid():
            try:
                services.decision_create(actor=request.user, agenda_item=item, **form.cleaned_data)
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Besluit vastgelegd."))
                return redirect(meeting.get_absolute_url() + f"#item-{item.pk}")
        return self.render_to_response(self.get_context_data(form=form), status=400)


# --- series --------------------------------------------------------------------------------


class SeriesDetailView(MeetingsViewMixin, TemplateView):
    permission = "meetings.view"
    template_name = "meetings/series_detail.html"

    def get_series(self) -> MeetingSeries:
        return get_object_or_404(
            selectors.series(access=self.access), pk=kw(self.kwargs, "series_id")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        series = self.get_series()
        context.update(
            series=series,
            standing_items=series.standing_items.all(),
            meetings=selectors.meetings(access=self.access, user=self.request.user).filter(
                series=series
            ),
            can_change=self.access.has("meetings.change"),
            form=kwargs.get("form") or StandingItemForm(),
        )
        return context

    def post(self, request, *args, **kwargs):
        self.access.require("meetings.change")
        series = self.get_series()
        form = StandingItemForm(request.POST)
        if form.is_valid():
            try:
                services.standing_item_add(actor=request.user, series=series, **form.cleaned_data)
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("Vast agendapunt toegevoegd; volgende overleggen krijgen het op de agenda."),
                )
                return redirect(series.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form), status=400)


@meetings_permission("meetings.change")
@require_POST
def standing_item_delete(request, **kwargs):
    series = get_object_or_404(selectors.series(access=request.access), pk=kw(kwargs, "series_id"))
    item = get_object_or_404(series.standing_items.all(), pk=kw(kwargs, "standing_item_id"))
    services.standing_item_remove(actor=request.user, item=item)
    messages.success(request, _("Vast agendapunt verwijderd."))
    return redirect(series.get_absolute_url())


# --- PDF and calendar ----------------------------------------------------------------------


def _pdf_response(request, kwargs, kind):
    try:
        meeting = selectors.meeting_detail(
            access=request.access, user=request.user, pk=kw(kwargs, "meeting_id")
        )
    except selectors.Meeting.DoesNotExist:
        raise Http404 from None
    if "concept" not in request.GET and records.sees_every_action(request.access):
        # Once sent, the document is served as it was sent (a correction is sent again).
        sent = records.latest_sent(meeting, kind)
        if sent is not None:
            return records.sent_response(sent)
    context = documents.document_context(
        meeting=meeting, access=request.access, user=request.user, kind=kind
    )
    filename, pdf = documents.render_document(kind, context)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@meetings_permission("meetings.view")
def meeting_agenda_pdf(request, **kwargs):
    return _pdf_response(request, kwargs, "agenda")


@meetings_permission("meetings.view")
def meeting_minutes_pdf(request, **kwargs):
    return _pdf_response(request, kwargs, "minutes")


@meetings_permission("meetings.change")
@require_POST
def meeting_send(request, **kwargs):
    """Send the agenda or the minutes (PDF) to every participant with an e-mail address."""
    kind = request.POST.get("kind")
    if kind not in documents.TEMPLATES:
        raise Http404
    try:
        meeting = selectors.meeting_detail(
            access=request.access, user=request.user, pk=kw(kwargs, "meeting_id")
        )
    except selectors.Meeting.DoesNotExist:
        raise Http404 from None
    try:
        count = services.meeting_document_send(
            actor=request.user,
            meeting=meeting,
            kind=kind,
            calendar_url=request.build_absolute_uri(meeting.get_absolute_url()),
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Verstuurd aan %(n)d deelnemer(s).") % {"n": count})
    return redirect(meeting.get_absolute_url())


@meetings_permission("meetings.view")
def meeting_ics_download(request, **kwargs):
    meeting = _meeting(request, kwargs)
    body = meeting_ics(meeting, url=request.build_absolute_uri(meeting.get_absolute_url()))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="overleg-{meeting.pk}.ics"'
    return response


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
            links_ = {k: form.cleaned_data.get(k) for k in ("schools", "activities")}
            data = {k: v for k, v in form.cleaned_data.items() if k not in links_}
            try:
                services.action_create(actor=request.user, meeting=meeting, data=data, **links_)
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
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
    messages.success(request, _("%(n)d actiepunt(en) bijgewerkt.") % {"n": count})
    return redirect(meeting.get_absolute_url() + "#bespreking")


class ActionListView(MeetingsViewMixin, ListView):
    """The chair's action list: filters, sorting, bulk status change, export."""

    permission = "actions.view"
    template_name = "meetings/action_list.html"
    context_object_name = "actions"
    paginate_by = 50

    def get_filter(self):
        base = selectors.actions(access=self.access, user=self.request.user).order_by(
            "due_date", "id"
        )
        return ActionFilter(self.request.GET or None, queryset=base, request=self.request)

    def get_queryset(self):
        self.filterset = self.get_filter()
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
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
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            write_xlsx(rows, EXPORT_HEADER, sheet_title="Actiepunten"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="actiepunten-{stamp}.xlsx"'
        return response
    response = HttpResponse(write_csv(rows, EXPORT_HEADER), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="actiepunten-{stamp}.csv"'
    return response


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
        messages.success(request, _("%(n)d actiepunt(en) bijgewerkt.") % {"n": count})
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
            links_ = {k: form.cleaned_data.get(k) for k in ("schools", "activities")}
            data = {k: v for k, v in form.cleaned_data.items() if k not in links_}
            try:
                services.action_update(actor=request.user, action=action, data=data, **links_)
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Actiepunt bijgewerkt."))
                return redirect(action.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form, action=action), status=400)


# --- tenant-free: signed links for people without an account ---------------------------------


@never_cache
def action_external(request, token):
    """An external owner's personal link: their one action, status and a progress note."""
    try:
        action = links.action_from_token(token)
    except ApplicationError as error:
        return render(request, "meetings/link_invalid.html", {"message": error.message}, status=403)
    form = ProgressForm(request.POST or None, initial={"status": action.status})
    if request.method == "POST" and form.is_valid():
        try:
            with scopes_disabled():
                services.action_progress(
                    actor=None, action=action, author_name=action.owner_display, **form.cleaned_data
                )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Dank u, de voortgang is opgeslagen."))
            return redirect(request.path)
    with scopes_disabled():
        notes = list(action.notes.select_related("author")[:20])
    return render(
        request,
        "meetings/action_external.html",
        {"action": action, "form": form, "notes": notes, "today": timezone.localdate()},
        status=400 if request.method == "POST" else 200,
    )


@never_cache
def reminders_unsubscribe(request, token):
    """The signed unsubscribe link of the reminder e-mails (confirm with a POST, so that mail
    scanners following links do not unsubscribe anyone)."""
    from .reminders import reminder_optout

    try:
        email = links.email_from_unsubscribe_token(token)
    except ApplicationError as error:
        return render(request, "meetings/link_invalid.html", {"message": error.message}, status=403)
    done = False
    if request.method == "POST":
        reminder_optout(email=email)
        done = True
    return render(request, "meetings/reminders_unsubscribe.html", {"email": email, "done": done})
