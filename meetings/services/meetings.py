"""Series with their standing items, meetings, participants, attachments and sending the
agenda and minutes."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from portal import uploads
from portal.audit import audit_log, diff
from portal.exceptions import ApplicationError

from ..documents import document_context, render_document
from ..ics import meeting_ics
from ..models import (
    ActionItem,
    ActionReview,
    AgendaItem,
    Attachment,
    Meeting,
    MeetingSeries,
    Participant,
    StandingItem,
)
from ..records import sent_document_store
from .common import check_fields, set_fields, tenant_fields

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


# --- series and standing items --------------------------------------------------------------


def series_create(
    *, actor, municipality=None, region=None, type: str, name: str, chair=None
) -> MeetingSeries:
    """Start a series of meetings (the LEA of a municipality, a kenniskring) that share
    standing agenda items."""
    if not name.strip():
        raise ApplicationError(_("Geef de reeks een naam."))
    series = MeetingSeries.objects.create(
        **tenant_fields(municipality, region), type=type, name=name.strip(), chair=chair
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
    tenant = tenant_fields(municipality, region)
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


def meeting_update(*, actor, meeting: Meeting, **fields) -> Meeting:
    """Change a meeting's details, status or minutes: ``fields`` are Meeting fields by name
    (``title``, ``starts_at``, ``ends_at``, ``location``, ``status``, ``minutes`` ...); those
    not given stay. Raises ApplicationError when it would end before it starts, TypeError for
    a name that is not a Meeting field."""
    check_fields(Meeting, fields)
    data = fields
    starts_at = data.get("starts_at", meeting.starts_at)
    ends_at = data.get("ends_at", meeting.ends_at)
    if ends_at and ends_at < starts_at:
        raise ApplicationError(_("Het overleg kan niet eindigen voordat het begint."))
    changes = diff(meeting, data)
    set_fields(meeting, data)
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
