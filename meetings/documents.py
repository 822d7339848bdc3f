"""Agenda and minutes as PDF (through portal.pdf.render_to_pdf), for download and for sending
to the participants. The context is built here, so tests can assert on it rather than on PDF
bytes, and the download and the e-mail show the same document."""

from django.utils import timezone
from django.utils.text import slugify

from portal.pdf import render_to_pdf

from . import records, selectors

TEMPLATES = {"agenda": "meetings/pdf/agenda.html", "minutes": "meetings/pdf/minutes.html"}
FILE_PREFIX = {"agenda": "agenda", "minutes": "verslag"}


def document_context(*, meeting, access=None, user=None, kind="minutes", version=None) -> dict:
    """What the agenda and minutes show. ``access=None`` means the participants' copy: every
    action of the meeting; otherwise what this user may see (roles.md: accountants no actions,
    directors their own). Actions show their status at the moment the document describes
    (meetings.records), so an old document does not change with today's data; ``version`` is
    the number a sent copy is stored under."""
    actions = list(selectors.meeting_actions(access=access, user=user, meeting=meeting))
    reviews = list(selectors.meeting_reviews(access=access, user=user, meeting=meeting))
    moment = records.document_moment(meeting, kind)
    records.mark_recorded_status(actions + [r.action for r in reviews], moment)
    items = list(meeting.agenda_items.all())
    by_item = {}
    for action in actions:
        by_item.setdefault(action.agenda_item_id, []).append(action)
    for item in items:
        item.action_list = by_item.get(item.pk, [])
    return {
        "meeting": meeting,
        "agenda_items": items,
        "loose_actions": by_item.get(None, []),
        "reviews": reviews,
        "version": version,
        "sees_actions": access is None or access.has("actions.view"),
        "tenant": meeting.tenant,
        "printed_at": timezone.now(),
    }


def render_document(kind: str, context: dict) -> tuple[str, bytes]:
    """``(filename, pdf_bytes)`` of the agenda or the minutes."""
    meeting = context["meeting"]
    _html, pdf = render_to_pdf(TEMPLATES[kind], context)
    stamp = f"{timezone.localtime(meeting.starts_at):%Y%m%d}"
    return f"{FILE_PREFIX[kind]}-{slugify(meeting.title)}-{stamp}.pdf", pdf
