"""Writes of the meetings app: keyword-only ``<entity>_<action>`` functions that validate, write
the audit trail and raise :class:`portal.exceptions.ApplicationError` for a broken rule."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import uploads
from portal.audit import audit_log, diff
from portal.exceptions import ApplicationError

from .models import (
    ActionItem,
    ActionReview,
    AgendaItem,
    Attachment,
    Decision,
    Meeting,
    MeetingSeries,
    Participant,
    ProgressNote,
    StandingItem,
)
from .records import sent_document_store

ALLOWED_ATTACHMENT_EXTENSIONS = {
    ".pdf",
    ".docx",
    ".doc",
    ".xlsx",
    ".xls",
    ".pptx",
    ".odt",
    ".ods",
    ".txt",
    ".csv",
    ".png",
    ".jpg",
}
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


def _tenant(municipality, region):
    if bool(municipality) == bool(region):
        raise ApplicationError(_("Een overleg hoort bij een gemeente of bij een regio."))
    return {"municipality": municipality, "region": region}


def _set_fields(obj, data: dict):
    for name, value in data.items():
        setattr(obj, name, value)


# --- series and standing items --------------------------------------------------------------


def series_create(
    *, actor, municipality=None, region=None, type: str, name: str, chair=None
) -> MeetingSeries:
    """Start a series of meetings (the LEA of a municipality, a kenniskring) that share
    standing agenda items."""
    if not name.strip():
        raise ApplicationError(_("Geef de reeks een naam."))
    series = MeetingSeries.objects.create(
        **_tenant(municipality, region), type=type, name=name.strip(), chair=chair
    )
    audit_log(
        actor=actor,
        action="meeting_series.create",
        obj=series,
        changes={"name": [None, series.name]},
    )
    return series


def standing_item_add(
    *,
    actor,
    series,
    title: str,
    description: str = "",
    presenter: str = "",
    order: int | None = None,
) -> StandingItem:
    """Add an item every next meeting of ``series`` gets on its agenda."""
    if not title.strip():
        raise ApplicationError(_("Geef het vaste agendapunt een titel."))
    if order is None:
        last = series.standing_items.order_by("-order").first()
        order = (last.order + 10) if last else 10
    item = StandingItem.objects.create(
        series=series,
        title=title.strip(),
        description=description,
        presenter=presenter,
        order=order,
    )
    audit_log(
        actor=actor,
        action="standing_item.create",
        obj=item,
        municipality=series.municipality,
        changes={"title": [None, item.title]},
    )
    return item


def standing_item_remove(*, actor, item: StandingItem) -> None:
    """Stop giving next meetings this item (agendas already made keep it)."""
    audit_log(
        actor=actor,
        action="standing_item.delete",
        obj=item,
        municipality=item.series.municipality,
        changes={"title": [item.title, None]},
    )
    item.delete()


# --- meetings ------------------------------------------------------------------------------


@transaction.atomic
def meeting_create(
    *,
    actor,
    municipality=None,
    region=None,
    series=None,
    type: str,
    title: str,
    starts_at,
    ends_at=None,
    location: str = "",
    online_url: str = "",
    chair=None,
) -> Meeting:
    """Plan a meeting. In a series it gets the series' standing items on its agenda, the
    participants of the series' previous meeting, and every open action of the series in its
    review block."""
    tenant = _tenant(municipality, region)
    if series is not None and (series.municipality_id, series.region_id) != (
        getattr(municipality, "pk", None),
        getattr(region, "pk", None),
    ):
        raise ApplicationError(_("De reeks hoort bij een andere gemeente of regio."))
    if ends_at and ends_at < starts_at:
        raise ApplicationError(_("Het overleg kan niet eindigen voordat het begint."))
    meeting = Meeting.objects.create(
        **tenant,
        series=series,
        type=type,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        online_url=online_url,
        chair=chair or (series.chair if series else None),
    )
    if series is not None:
        AgendaItem.objects.bulk_create(
            AgendaItem(
                meeting=meeting,
                order=s.order,
                title=s.title,
                description=s.description,
                presenter=s.presenter,
                standing_item=s,
            )
            for s in series.standing_items.all()
        )
        previous = (
            series.meetings.exclude(pk=meeting.pk)
            .filter(starts_at__lt=starts_at)
            .order_by("-starts_at")
            .first()
        )
        if previous is not None:
            Participant.objects.bulk_create(
                Participant(
                    meeting=meeting,
                    user_id=p.user_id,
                    name=p.name,
                    organisation=p.organisation,
                    organisation_type=p.organisation_type,
                    email=p.email,
                )
                for p in previous.participants.all()
            )
        actions_carry_over(meeting=meeting)
    audit_log(
        actor=actor,
        action="meeting.create",
        obj=meeting,
        municipality=municipality,
        changes={"title": [None, title], "starts_at": [None, starts_at]},
    )
    return meeting


def actions_carry_over(*, meeting: Meeting) -> int:
    """Put every open action of the meeting's series that originates in an earlier meeting into
    this meeting's review block (once). Returns how many were added."""
    if meeting.series_id is None:
        return 0
    already = ActionReview.objects.filter(meeting=meeting).values("action_id")
    open_actions = (
        ActionItem.objects.open()
        .filter(meeting__series_id=meeting.series_id, meeting__starts_at__lt=meeting.starts_at)
        .exclude(pk__in=already)
        .values_list("pk", flat=True)
    )
    reviews = [ActionReview(meeting=meeting, action_id=pk) for pk in open_actions]
    ActionReview.objects.bulk_create(reviews)
    return len(reviews)


def meeting_update(*, actor, meeting: Meeting, data: dict) -> Meeting:
    """Change a meeting's details, status or minutes."""
    starts_at = data.get("starts_at", meeting.starts_at)
    ends_at = data.get("ends_at", meeting.ends_at)
    if ends_at and ends_at < starts_at:
        raise ApplicationError(_("Het overleg kan niet eindigen voordat het begint."))
    changes = diff(meeting, data)
    _set_fields(meeting, data)
    meeting.save()
    if changes:
        audit_log(
            actor=actor,
            action="meeting.update",
            obj=meeting,
            municipality=meeting.municipality,
            changes=changes,
        )
    return meeting


def participant_add(
    *,
    actor,
    meeting: Meeting,
    user=None,
    name: str = "",
    organisation: str = "",
    organisation_type: str = "overig",
    email: str = "",
) -> Participant:
    """Add a portal user or an external person (by organisation) to a meeting."""
    if user is None and not name.strip():
        raise ApplicationError(_("Kies een gebruiker of vul een naam of functie in."))
    if user is not None and meeting.participants.filter(user=user).exists():
        raise ApplicationError(_("%(user)s neemt al deel.") % {"user": user})
    participant = Participant.objects.create(
        meeting=meeting,
        user=user,
        name=name.strip(),
        organisation=organisation.strip() or getattr(user, "organisation", ""),
        organisation_type=organisation_type,
        email=email.strip().lower(),
    )
    audit_log(
        actor=actor,
        action="meeting.participant_add",
        obj=meeting,
        municipality=meeting.municipality,
        changes={"participant": [None, str(participant)]},
    )
    return participant


def participant_remove(*, actor, participant: Participant) -> None:
    """Take someone off the participant list."""
    meeting = participant.meeting
    audit_log(
        actor=actor,
        action="meeting.participant_remove",
        obj=meeting,
        municipality=meeting.municipality,
        changes={"participant": [str(participant), None]},
    )
    participant.delete()


def attachment_add(*, actor, meeting: Meeting, file, name: str = "") -> Attachment:
    """Store a meeting document privately."""
    import os

    extension = os.path.splitext(file.name)[1].lower()
    if extension not in ALLOWED_ATTACHMENT_EXTENSIONS:
        raise ApplicationError(
            _("Dit soort bestand kan niet als bijlage (%(ext)s).") % {"ext": extension or "?"}
        )
    if file.size > MAX_ATTACHMENT_BYTES:
        raise ApplicationError(_("Een bijlage mag hoogstens 20 MB zijn."))
    try:
        # By content, not by name: an HTML page named notulen.pdf is not stored as a PDF.
        uploads.check_declared_type(file, file.name)
    except uploads.UploadError as error:
        raise ApplicationError(_("Deze bijlage wordt niet opgeslagen: %s.") % error) from None
    attachment = Attachment.objects.create(
        meeting=meeting, file=file, name=name.strip() or file.name, uploaded_by=actor
    )
    audit_log(
        actor=actor,
        action="meeting.attachment_add",
        obj=meeting,
        municipality=meeting.municipality,
        changes={"attachment": [None, attachment.name]},
    )
    return attachment


def meeting_recipients(meeting: Meeting) -> list[str]:
    """The participants' addresses (portal users' own, or the external address), once each."""
    seen = []
    for participant in meeting.participants.all():
        address = (
            (participant.user.email if participant.user_id else participant.email or "")
            .strip()
            .lower()
        )
        if address and address not in seen:
            seen.append(address)
    return seen


def meeting_document_send(*, actor, meeting: Meeting, kind: str, calendar_url: str = "") -> int:
    """E-mail the agenda (with an .ics invitation) or the minutes as PDF to the participants,
    as one message with the addresses in Bcc (participants do not see each other's address).
    Returns the number of recipients."""
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string

    from .documents import document_context, render_document
    from .ics import meeting_ics

    recipients = meeting_recipients(meeting)
    if not recipients:
        raise ApplicationError(_("Geen van de deelnemers heeft een e-mailadres."))
    # The sent copy is stored as sent (SHA-256) and the e-mail carries exactly those bytes.
    rendered = {}

    def render(version):
        context = document_context(meeting=meeting, kind=kind, version=version)
        rendered["filename"], pdf = render_document(kind, context)
        return pdf

    document = sent_document_store(
        meeting=meeting, kind=kind, render=render, actor=actor, recipients=len(recipients)
    )
    with document.file.open("rb") as handle:
        pdf = handle.read()
    filename = rendered["filename"].replace(".pdf", f"-v{document.version}.pdf")
    context = {"meeting": meeting, "kind": kind, "sender": actor}
    subject = (_("Agenda: %(title)s") if kind == "agenda" else _("Verslag: %(title)s")) % {
        "title": str(meeting)
    }
    message = EmailMessage(
        subject,
        render_to_string("meetings/email/meeting_document.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[],
        bcc=recipients,
        reply_to=[actor.email] if getattr(actor, "email", "") else None,
    )
    message.attach(filename, pdf, "application/pdf")
    if kind == "agenda":
        message.attach(
            f"overleg-{meeting.pk}.ics", meeting_ics(meeting, url=calendar_url), "text/calendar"
        )
    message.send()
    audit_log(
        actor=actor,
        action=f"meeting.send_{kind}",
        obj=meeting,
        municipality=meeting.municipality,
        changes={
            "recipients": [None, len(recipients)],
            "version": [None, document.version],
            "sha256": [None, document.sha256],
        },
    )
    return len(recipients)


# --- agenda and decisions --------------------------------------------------------------------


def agenda_item_save(
    *,
    actor,
    meeting: Meeting,
    item: AgendaItem | None = None,
    data: dict,
    schools=None,
    activities=None,
    grants=None,
) -> AgendaItem:
    """Create or change an agenda item and the schools, activities and grants it concerns
    (``None``: leave that link as it is, for users who may not pick from that list)."""
    if not (data.get("title") or "").strip():
        raise ApplicationError(_("Geef het agendapunt een titel."))
    created = item is None
    if created:
        item = AgendaItem(meeting=meeting)
    if data.get("order") is None:
        # No position given: a new item goes last, an existing one stays where it is.
        last = meeting.agenda_items.order_by("-order").first()
        data = {**data, "order": item.order if not created else ((last.order + 10) if last else 10)}
    changes = diff(item, data)
    _set_fields(item, data)
    item.save()
    for relation, values in (("schools", schools), ("activities", activities), ("grants", grants)):
        if values is not None:
            getattr(item, relation).set(values)
    audit_log(
        actor=actor,
        action="agenda_item.create" if created else "agenda_item.update",
        obj=item,
        municipality=meeting.municipality,
        changes=changes,
    )
    return item


def agenda_item_delete(*, actor, item: AgendaItem) -> None:
    """Remove an agenda item that has no decisions or actions yet."""
    if item.decisions.exists() or item.actions.exists():
        raise ApplicationError(
            _("Dit agendapunt heeft besluiten of actiepunten en blijft daarom staan.")
        )
    audit_log(
        actor=actor,
        action="agenda_item.delete",
        obj=item,
        municipality=item.meeting.municipality,
        changes={"title": [item.title, None]},
    )
    item.delete()


def decision_create(
    *, actor, agenda_item: AgendaItem, text: str, amount=None, activity=None, grant=None
) -> Decision:
    """Record a decision on an agenda item, optionally committing money to an activity or grant."""
    if not text.strip():
        raise ApplicationError(_("Beschrijf het besluit."))
    if amount is not None and amount < 0:
        raise ApplicationError(_("Een bedrag kan niet negatief zijn."))
    decision = Decision.objects.create(
        agenda_item=agenda_item, text=text.strip(), amount=amount, activity=activity, grant=grant
    )
    audit_log(
        actor=actor,
        action="decision.create",
        obj=decision,
        municipality=agenda_item.meeting.municipality,
        changes={"text": [None, decision.text], "amount": [None, amount]},
    )
    return decision


# --- action items ----------------------------------------------------------------------------


def _validate_owner(data: dict):
    if not data.get("owner_user") and not (
        data.get("owner_name") or data.get("owner_organisation")
    ):
        raise ApplicationError(
            _("Een actiepunt heeft een eigenaar: een gebruiker, of een naam of organisatie.")
        )
    if data.get("owner_user"):
        # One owner: a portal user's own address receives the reminders.
        data["owner_email"] = ""


def action_create(
    *, actor, meeting: Meeting, data: dict, schools=None, activities=None
) -> ActionItem:
    """Record an action agreed in ``meeting`` (on one of its agenda items)."""
    data = dict(data)
    if not (data.get("description") or "").strip():
        raise ApplicationError(_("Beschrijf het actiepunt."))
    _validate_owner(data)
    agenda_item = data.get("agenda_item")
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise ApplicationError(_("Het agendapunt hoort bij een ander overleg."))
    action = ActionItem(meeting=meeting, municipality=meeting.municipality, region=meeting.region)
    _set_fields(action, data)
    if not action.is_open:
        action.closed_at = timezone.now()
    action.save()
    if schools is not None:
        action.schools.set(schools)
    if activities is not None:
        action.activities.set(activities)
    if meeting.series_id and action.is_open:
        # The next meeting is often planned before this one's actions are recorded: put the
        # new action in the review block of the series' later, still planned meetings too.
        later = Meeting.objects.filter(
            series_id=meeting.series_id,
            starts_at__gt=meeting.starts_at,
            status=Meeting.Status.PLANNED,
        ).values_list("pk", flat=True)
        ActionReview.objects.bulk_create(
            [ActionReview(meeting_id=pk, action=action) for pk in later]
        )
    audit_log(
        actor=actor,
        action="action.create",
        obj=action,
        municipality=meeting.municipality,
        changes={
            "description": [None, action.description],
            "owner": [None, action.owner_display],
            "due_date": [None, action.due_date],
        },
    )
    return action


def _apply_status(action: ActionItem, status: str):
    if status not in ActionItem.Status.values:
        raise ApplicationError(_("Onbekende status."))
    action.status = status
    if status in ActionItem.OPEN_STATUSES:
        action.closed_at = None
    elif action.closed_at is None:
        action.closed_at = timezone.now()


def _change_status(action: ActionItem, status: str, *, actor, audit_action: str, reason: str = ""):
    """Set and save a new status, with its audit event (bulk update and meeting review)."""
    changes = diff(action, {"status": status})
    _apply_status(action, status)
    action.save(update_fields=["status", "closed_at", "updated_at"])
    audit_log(
        actor=actor,
        action=audit_action,
        obj=action,
        municipality=action.municipality,
        changes=changes,
        reason=reason,
    )


def action_update(
    *, actor, action: ActionItem, data: dict, schools=None, activities=None
) -> ActionItem:
    """Change an action's description, owner, due date, status, theme or links."""
    data = dict(data)
    _validate_owner(data)
    status = data.pop("status", action.status)
    changes = diff(action, {**data, "status": status})
    _set_fields(action, data)
    _apply_status(action, status)
    action.save()
    if schools is not None:
        action.schools.set(schools)
    if activities is not None:
        action.activities.set(activities)
    if changes:
        audit_log(
            actor=actor,
            action="action.update",
            obj=action,
            municipality=action.municipality,
            changes=changes,
        )
    return action


def action_progress(
    *, actor=None, action: ActionItem, status: str = "", note: str = "", author_name: str = ""
) -> ProgressNote | None:
    """What an owner may do: set the status and add a dated progress note. ``actor`` is None
    for an external owner using their signed link (``author_name`` says who)."""
    note = (note or "").strip()
    status = status or action.status
    if status == action.status and not note:
        raise ApplicationError(_("Kies een andere status of schrijf een notitie."))
    changes = diff(action, {"status": status})
    _apply_status(action, status)
    action.save(update_fields=["status", "closed_at", "updated_at"])
    entry = ProgressNote.objects.create(
        action=action,
        author=actor if getattr(actor, "is_authenticated", False) else None,
        author_name=author_name if not getattr(actor, "is_authenticated", False) else "",
        text=note or _("Status gewijzigd in %(status)s.") % {"status": action.get_status_display()},
        status=status if changes else "",
    )
    audit_log(
        actor=actor,
        action="action.progress",
        obj=action,
        municipality=action.municipality,
        changes=changes,
        reason=note or (f"{_('via persoonlijke link')}: {author_name}" if author_name else ""),
    )
    return entry


def actions_bulk_status(*, actor, actions, status: str) -> int:
    """Give many actions (of one tenant, already permission-filtered) the same status."""
    if status not in ActionItem.Status.values:
        raise ApplicationError(_("Kies een geldige status."))
    count = 0
    with transaction.atomic():
        for action in actions:
            if action.status == status:
                continue
            _change_status(
                action,
                status,
                actor=actor,
                audit_action="action.update",
                reason=_("bulkwijziging vanuit de actielijst"),
            )
            count += 1
    return count


@transaction.atomic
def reviews_record(*, actor, meeting: Meeting, entries: list[tuple[ActionReview, str, str]]) -> int:
    """During a meeting the chair records per carried-over action a status and a note; the
    action itself takes the recorded status, and the note joins its progress notes."""
    changed = 0
    now = timezone.now()
    for review, status, note in entries:
        if review.meeting_id != meeting.pk:
            raise ApplicationError(_("Dit actiepunt staat niet op de agenda van dit overleg."))
        note = (note or "").strip()
        if not status and not note:
            continue
        if (status, note) == (review.status, review.note):
            continue
        review.status, review.note, review.recorded_by, review.recorded_at = (
            status,
            note,
            actor,
            now,
        )
        review.save()
        action = review.action
        if status and status != action.status:
            _change_status(action, status, actor=actor, audit_action="action.review", reason=note)
        ProgressNote.objects.create(
            action=action,
            author=actor,
            status=status if status else "",
            text=note or _("Besproken in %(meeting)s.") % {"meeting": meeting},
        )
        changed += 1
    return changed
