"""Records of the past do not change (issue 10 §4).

- An action in the minutes shows the status it had at that meeting, not today's: the status at
  a moment is read back from the audit trail (every status change records ``[old, new]``).
  Carried-over actions show what the chair recorded in that meeting's review (ActionReview).
- An agenda or minutes once sent is stored as sent (:class:`SentDocument`, with its SHA-256)
  and served as it was; sending again after a correction makes the next version, and earlier
  versions stay downloadable.
"""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from portal.exceptions import ApplicationError
from portal.models import AuditEvent

from .models import ActionItem, SentDocument

STATUS_LABELS = dict(ActionItem.Status.choices)


def statuses_at(actions, moment) -> dict[int, str]:
    """``{action id: status}`` as it was at ``moment`` (an aware datetime): the old value of the
    first status change after ``moment``, or the current status if nothing changed since. An
    action created after ``moment`` gets the status it was created with. One query."""
    actions = list(actions)
    result = {a.pk: a.status for a in actions}
    if not actions:
        return result
    later = (
        AuditEvent.objects.filter(
            object_type=ActionItem._meta.label_lower,
            object_id__in=[str(a.pk) for a in actions],
            created_at__gt=moment,
            changes__has_key="status",
        )
        .order_by("created_at", "id")
        .values_list("object_id", "changes")
    )
    seen = set()
    for object_id, changes in later:
        pk = int(object_id)
        if pk in seen:
            continue
        seen.add(pk)
        old = (changes.get("status") or [None])[0]
        if old in STATUS_LABELS:
            result[pk] = old
    return result


def mark_recorded_status(actions, moment) -> None:
    """Give each action ``recorded_status`` and ``recorded_status_label``: its status at
    ``moment`` (what the documents print instead of today's status)."""
    statuses = statuses_at(actions, moment)
    for action in actions:
        action.recorded_status = statuses[action.pk]
        action.recorded_status_label = STATUS_LABELS[statuses[action.pk]]


def document_moment(meeting, kind: str):
    """The moment a document describes: the minutes the end of the meeting, the agenda its
    start (or now, if that is earlier)."""
    if kind == "minutes":
        return meeting.end
    return min(meeting.starts_at, timezone.now())


def _sha256(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


@transaction.atomic
def sent_document_store(*, meeting, kind: str, render, actor, recipients: int) -> SentDocument:
    """Store the next version of ``kind`` for ``meeting``. ``render(version)`` returns the PDF
    bytes to send (the version number is printed on it). Returns the stored row; the caller
    sends exactly its bytes."""
    latest = (
        SentDocument.objects.select_for_update()
        .filter(meeting=meeting, kind=kind)
        .aggregate(v=Max("version"))["v"]
    )
    version = (latest or 0) + 1
    pdf = render(version)
    document = SentDocument(
        meeting=meeting,
        kind=kind,
        version=version,
        sha256=_sha256(pdf),
        sent_by=actor if getattr(actor, "is_authenticated", False) else None,
        recipients=recipients,
    )
    stamp = f"{timezone.localtime(meeting.starts_at):%Y%m%d}"
    document.file.save(
        f"{kind}-{slugify(meeting.title)}-{stamp}-v{version}.pdf", ContentFile(pdf), save=False
    )
    document.save()
    return document


def sent_documents(meeting):
    """Every sent version of the meeting's agenda and minutes, newest first per kind."""
    return SentDocument.objects.filter(meeting=meeting).select_related("sent_by")


def latest_sent(meeting, kind: str) -> SentDocument | None:
    return SentDocument.objects.filter(meeting=meeting, kind=kind).order_by("-version").first()


def sent_document_file(document: SentDocument) -> tuple[bytes, str]:
    """``(bytes, filename)`` of a sent version, checked against its stored SHA-256. Raises
    ApplicationError when the file is missing or was changed."""
    try:
        with document.file.open("rb") as handle:
            payload = handle.read()
    except (FileNotFoundError, OSError, ValueError):
        raise ApplicationError(_("Het verstuurde bestand is niet gevonden.")) from None
    if _sha256(payload) != document.sha256:
        raise ApplicationError(
            _("Het verstuurde bestand is gewijzigd sinds het versturen; het wordt niet getoond.")
        )
    return payload, document.file.name.rsplit("/", 1)[-1]


def sees_every_action(access) -> bool:
    """Whether the user sees every action of a meeting, as the participants' sent copy does."""
    return access.has("actions.view") and not access.own_schools_only("actions.view")


def sent_response(document) -> HttpResponse:
    """The stored bytes of ``document`` (500 with the reason when they no longer match)."""
    try:
        payload, filename = sent_document_file(document)
    except ApplicationError as error:
        return HttpResponse(error.message, status=500, content_type="text/plain; charset=utf-8")
    response = HttpResponse(payload, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["Digest"] = f"sha-256={document.sha256}"
    return response
