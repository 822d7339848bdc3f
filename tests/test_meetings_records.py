"""Records of the past do not change (issue 10 §4): minutes show each action as it was at that
meeting; sent agendas and minutes are stored with their SHA-256 and served as sent; a
correction is a new version and old versions stay downloadable."""

import datetime
import hashlib
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from meetings import documents, records, services
from meetings.models import ActionItem, SentDocument
from portal.models import AuditEvent, Role

from . import factories as f

M = {"municipality": "midden-groningen"}


def _text(payload: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(payload)).pages)
    return " ".join(text.split())


@pytest.fixture
def held(world):
    """A meeting held yesterday with one participant and an action agreed in it."""
    meeting = f.MeetingFactory(
        municipality=world.municipality,
        title="LEA juni",
        starts_at=timezone.now() - datetime.timedelta(days=1),
        status="held",
    )
    f.ParticipantFactory(meeting=meeting, email="deelnemer@example.org")
    chair = world.users[Role.LEA_CHAIR]
    with scope(municipality=world.municipality):
        action = services.action_create(
            actor=chair,
            meeting=meeting,
            description="Inventarisatie kindcentra",
            owner_name="Coördinator",
        )
    return meeting, action


def _progress(action, status, *, at=None):
    services.action_progress(actor=None, action=action, status=status, author_name="eigenaar")
    if at is not None:
        event = AuditEvent.objects.filter(action="action.progress").order_by("-id").first()
        AuditEvent.objects.filter(pk=event.pk).update(created_at=at)


def test_status_at_a_moment_is_read_back_from_the_audit_trail(world, held):
    meeting, action = held
    with scopes_disabled():
        # during the meeting the action went to "in uitvoering"; today it was closed
        _progress(action, "in_progress", at=meeting.starts_at + datetime.timedelta(minutes=30))
        _progress(action, "done")
        action.refresh_from_db()
        assert action.status == "done"
        assert records.statuses_at([action], meeting.end) == {action.pk: "in_progress"}
        assert records.statuses_at([action], timezone.now()) == {action.pk: "done"}
        # before any change: the status it was created with
        assert records.statuses_at([action], meeting.starts_at) == {action.pk: "open"}
        context = documents.document_context(meeting=meeting)
    (listed,) = context["loose_actions"]  # agreed outside an agenda item
    assert listed.recorded_status_label == "in uitvoering"


def test_old_minutes_do_not_change_when_an_action_changes_later(client, world, held):
    meeting, action = held
    client.force_login(world.users[Role.LEA_CHAIR])
    url = reverse("meetings:meeting_minutes_pdf", kwargs={**M, "meeting_id": meeting.pk})
    before = _text(client.get(url).content)
    with scopes_disabled():
        _progress(action, "done")
    after = _text(client.get(url).content)
    entry = after[after.index("Inventarisatie kindcentra") :][:80]
    assert "open" in entry and "afgerond" not in entry, entry
    assert before[before.index("Inventarisatie") :][:80] == entry


def test_sent_minutes_are_stored_and_served_as_sent_and_a_correction_is_a_new_version(
    client, world, held, mailoutbox
):
    meeting, action = held
    chair = world.users[Role.LEA_CHAIR]
    client.force_login(chair)
    send = reverse("meetings:meeting_send", kwargs={**M, "meeting_id": meeting.pk})
    minutes = reverse("meetings:meeting_minutes_pdf", kwargs={**M, "meeting_id": meeting.pk})
    assert client.post(send, {"kind": "minutes"}).status_code == 302
    with scopes_disabled():
        first = SentDocument.objects.get(meeting=meeting, kind="minutes")
    sent_bytes = mailoutbox[0].attachments[0][1]
    assert first.version == 1 and first.sent_by == chair and first.recipients == 1
    assert first.sha256 == hashlib.sha256(sent_bytes).hexdigest()
    assert "Versie 1, verstuurd aan de deelnemers." in _text(sent_bytes)

    # today's data changes: the minutes download still gives the bytes that were sent
    with scopes_disabled():
        _progress(action, "done")
        meeting.minutes = "Aangevuld verslag"
        meeting.save()
    response = client.get(minutes)
    assert response.content == sent_bytes and response["Digest"] == f"sha-256={first.sha256}"
    # the concept shows the current text
    assert "Aangevuld verslag" in _text(client.get(minutes + "?concept=1").content)

    # a correction is sent again: version 2; version 1 stays downloadable as it was
    assert client.post(send, {"kind": "minutes"}).status_code == 302
    with scopes_disabled():
        second = SentDocument.objects.get(meeting=meeting, kind="minutes", version=2)
    assert "Aangevuld verslag" in _text(client.get(minutes).content)
    assert client.get(minutes).content == mailoutbox[1].attachments[0][1]
    download = reverse(
        "meetings:sent_document_download",
        kwargs={**M, "meeting_id": meeting.pk, "sent_document_id": first.pk},
    )
    assert client.get(download).content == sent_bytes
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Verstuurde versies" in page and second.sha256[:14] in page

    # a file changed after sending is refused, not served
    with scopes_disabled():
        first.file.open("wb").write(b"%PDF-1.4 vervalst")
    response = client.get(download)
    assert (
        response.status_code == 500 and "gewijzigd sinds het versturen" in response.content.decode()
    )


def test_sent_agenda_is_stored_too(client, world, held, mailoutbox):
    meeting, _action = held
    client.force_login(world.users[Role.LEA_CHAIR])
    send = reverse("meetings:meeting_send", kwargs={**M, "meeting_id": meeting.pk})
    assert client.post(send, {"kind": "agenda"}).status_code == 302
    with scopes_disabled():
        agenda = SentDocument.objects.get(meeting=meeting, kind="agenda")
    url = reverse("meetings:meeting_agenda_pdf", kwargs={**M, "meeting_id": meeting.pk})
    assert client.get(url).content == mailoutbox[0].attachments[0][1]
    assert agenda.sha256 == hashlib.sha256(client.get(url).content).hexdigest()


def test_only_who_sees_every_action_gets_the_sent_copy(client, world, held, mailoutbox):
    meeting, _action = held
    f.ParticipantFactory(meeting=meeting, user=world.users[Role.SCHOOL_DIRECTOR], name="")
    client.force_login(world.users[Role.LEA_CHAIR])
    client.post(
        reverse("meetings:meeting_send", kwargs={**M, "meeting_id": meeting.pk}),
        {"kind": "minutes"},
    )
    with scopes_disabled():
        sent = SentDocument.objects.get()
    download = reverse(
        "meetings:sent_document_download",
        kwargs={**M, "meeting_id": meeting.pk, "sent_document_id": sent.pk},
    )
    minutes = reverse("meetings:meeting_minutes_pdf", kwargs={**M, "meeting_id": meeting.pk})
    client.force_login(world.users[Role.SCHOOL_DIRECTOR])
    assert client.get(download).status_code == 404
    # the director's own minutes: rendered for them (no actions they may not see)
    response = client.get(minutes)
    assert response.status_code == 200 and response.content != sent.file.open("rb").read()
    assert "Inventarisatie" not in _text(response.content)
    client.force_login(world.users[Role.ACCOUNTANT])
    assert client.get(download).status_code == 404
    client.force_login(world.foreign_user)
    assert client.get(download).status_code == 404
    with scopes_disabled():
        assert ActionItem.objects.count() == 1
