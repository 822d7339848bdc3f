"""Agenda and minutes PDF (portal.pdf.render_to_pdf) and the per-meeting iCalendar file."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from pypdf import PdfReader

from meetings.ics import escape_text, fold, meeting_ics
from portal.models import Role

from . import factories as f

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def meeting(world):
    meeting = f.MeetingFactory(
        municipality=world.municipality,
        title="LEA; ondertekening, Onderwijskansenakkoord",
        starts_at=datetime.datetime(2023, 6, 19, 15, 0, tzinfo=AMS),
        ends_at=datetime.datetime(2023, 6, 19, 17, 0, tzinfo=AMS),
        location="Gemeentehuis\nHoogezand",
    )
    f.AgendaItemFactory(meeting=meeting, title="Opening", order=10)
    f.AgendaItemFactory(
        meeting=meeting, title="Ondertekening Onderwijskansenakkoord " + "x" * 80, order=20
    )
    f.ParticipantFactory(meeting=meeting, name="Manager", organisation="Kinderopvang")
    return meeting


def test_ics_follows_rfc5545(meeting):
    with scopes_disabled():
        data = meeting_ics(
            meeting,
            url="https://portal.example/m/1/",
            now=datetime.datetime(2023, 6, 1, 8, 0, tzinfo=datetime.UTC),
        )
    text = data.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")  # every line ends in CRLF
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    unfolded = text.replace("\r\n ", "")
    assert (
        "DTSTART:20230619T130000Z" in unfolded and "DTEND:20230619T150000Z" in unfolded
    )  # CEST = UTC+2
    assert "DTSTAMP:20230601T080000Z" in unfolded
    assert f"UID:meeting-{meeting.pk}@" in unfolded
    assert "SUMMARY:LEA\\; ondertekening\\, Onderwijskansenakkoord" in unfolded
    assert "LOCATION:Gemeentehuis\\nHoogezand" in unfolded
    assert "2. Ondertekening Onderwijskansenakkoord " + "x" * 80 in unfolded


def test_fold_never_splits_a_multibyte_character():
    line = "DESCRIPTION:" + "ë" * 100
    folded = fold(line)
    parts = folded.split("\r\n ")
    assert "".join(parts) == line
    assert all(len(p.encode("utf-8")) <= 75 for p in [parts[0]]) and all(
        len(p.encode("utf-8")) <= 74 for p in parts[1:]
    )


def test_escape_text():
    assert escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"


def test_ics_download(world, meeting, client):
    client.force_login(world.users[Role.ACCOUNTANT])  # accountants read meetings
    response = client.get(
        reverse(
            "meetings:meeting_ics",
            kwargs={"municipality": "midden-groningen", "meeting_id": meeting.pk},
        )
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in response.content


def test_agenda_pdf_lists_items_participants_and_open_actions(world, meeting, client):
    action = f.ActionItemFactory(
        meeting=f.MeetingFactory(municipality=world.municipality),
        description="Werkgroep kindcentra",
    )
    f.ActionReviewFactory(meeting=meeting, action=action)
    client.force_login(world.users[Role.LEA_CHAIR])
    response = client.get(
        reverse(
            "meetings:meeting_agenda_pdf",
            kwargs={"municipality": "midden-groningen", "meeting_id": meeting.pk},
        )
    )
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert (
        "attachment" in response["Content-Disposition"]
        and ".pdf" in response["Content-Disposition"]
    )
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split()
    )
    assert "Opening" in text and "Kinderopvang" in text and "Werkgroep kindcentra" in text
    assert "19-06-2023 15:00" in text


def test_chair_sends_the_agenda_to_the_participants(world, meeting, client):
    from django.core import mail

    from portal.models import AuditEvent

    f.ParticipantFactory(
        meeting=meeting, name="Jeugdarts", organisation="GGD", email="Jeugdarts@GGD.example"
    )
    f.ParticipantFactory(meeting=meeting, user=world.users[Role.SCHOOL_DIRECTOR], name="")
    client.force_login(world.users[Role.LEA_CHAIR])
    url = reverse(
        "meetings:meeting_send",
        kwargs={"municipality": "midden-groningen", "meeting_id": meeting.pk},
    )
    assert client.post(url, {"kind": "agenda"}).status_code == 302
    (message,) = mail.outbox
    assert message.to == [] and sorted(message.bcc) == sorted(
        ["jeugdarts@ggd.example", world.users[Role.SCHOOL_DIRECTOR].email]
    )
    names = [a[0] for a in message.attachments]
    assert (
        names[0].startswith("agenda-") and names[0].endswith(".pdf") and names[1].endswith(".ics")
    )
    assert message.attachments[0][1].startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="meeting.send_agenda").exists()
    assert client.post(url, {"kind": "minutes"}).status_code == 302
    assert mail.outbox[1].attachments[0][0].startswith("verslag-")
    client.force_login(world.users[Role.SCHOOL_DIRECTOR])  # participant, but may not send
    assert client.post(url, {"kind": "agenda"}).status_code == 403
