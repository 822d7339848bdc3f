"""Meeting pages: list, create, detail, update, participants, attachments, agenda items and
decisions, series, and the agenda/minutes PDFs and calendar file."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import ListView, TemplateView

from portal.exceptions import ApplicationError

from .. import documents, records, selectors, services
from ..forms import (
    AgendaItemForm,
    AttachmentForm,
    DecisionForm,
    MeetingForm,
    MeetingUpdateForm,
    ParticipantForm,
    StandingItemForm,
)
from ..ics import meeting_ics
from ..models import ActionItem, MeetingSeries
from .base import (
    MeetingsViewMixin,
    _meeting,
    meetings_permission,
    route_id,
    tenant_kwargs,
)

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
                access=self.access, user=user, pk=route_id(self.kwargs, "meeting_id")
            )
        except selectors.Meeting.DoesNotExist:
            raise Http404 from None
        actions = list(
            selectors.meeting_page_actions(access=self.access, user=user, meeting=meeting)
        )
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
                services.meeting_update(actor=request.user, meeting=meeting, **form.cleaned_data)
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
    participant = get_object_or_404(
        meeting.participants.all(), pk=route_id(kwargs, "participant_id")
    )
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
    attachment = get_object_or_404(meeting.attachments.all(), pk=route_id(kwargs, "attachment_id"))
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
                meeting.agenda_items.all(), pk=route_id(self.kwargs, "agenda_item_id")
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
            relations = {k: form.cleaned_data.get(k) for k in ("schools", "activities", "grants")}
            data = {k: v for k, v in form.cleaned_data.items() if k not in relations}
            try:
                services.agenda_item_save(
                    actor=request.user, meeting=meeting, item=item, **data, **relations
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
    item = get_object_or_404(meeting.agenda_items.all(), pk=route_id(kwargs, "agenda_item_id"))
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
                meeting.agenda_items.all(), pk=route_id(self.kwargs, "agenda_item_id")
            ),
            form=kwargs.get("form") or DecisionForm(access=self.access),
        )
        return context

    def post(self, request, *args, **kwargs):
        meeting = self.get_meeting()
        item = get_object_or_404(
            meeting.agenda_items.all(), pk=route_id(self.kwargs, "agenda_item_id")
        )
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
            selectors.series(access=self.access), pk=route_id(self.kwargs, "series_id")
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
    series = get_object_or_404(
        selectors.series(access=request.access), pk=route_id(kwargs, "series_id")
    )
    item = get_object_or_404(series.standing_items.all(), pk=route_id(kwargs, "standing_item_id"))
    services.standing_item_remove(actor=request.user, item=item)
    messages.success(request, _("Vast agendapunt verwijderd."))
    return redirect(series.get_absolute_url())


# --- PDF and calendar ----------------------------------------------------------------------


def _pdf_response(request, kwargs, kind):
    try:
        meeting = selectors.meeting_detail(
            access=request.access, user=request.user, pk=route_id(kwargs, "meeting_id")
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
            access=request.access, user=request.user, pk=route_id(kwargs, "meeting_id")
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
