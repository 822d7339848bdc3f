"""The weekly reminder job: one digest per owner (portal users and external owners) and one
summary per chair per ISO week, however often it runs; external owners can unsubscribe."""

import datetime
import time

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scopes_disabled

from meetings import links
from meetings.models import ReminderOptOut, SentDigest
from meetings.reminders import reminders_send_weekly
from meetings.tasks import send_weekly_reminders
from portal.models import Role

from . import factories as f

MONDAY = datetime.date(2030, 3, 4)


@pytest.fixture
def due(world):
    chair = world.users[Role.LEA_CHAIR]
    meeting = f.MeetingFactory(municipality=world.municipality, chair=chair, title="LEA maart")
    director = world.users[Role.SCHOOL_DIRECTOR]
    made = {
        "director_soon": f.ActionItemFactory(
            meeting=meeting,
            owner_user=director,
            description="Plan De Vlonder",
            due_date=MONDAY + datetime.timedelta(days=3),
        ),
        "director_late": f.ActionItemFactory(
            meeting=meeting,
            owner_user=director,
            description="Scan nabespreken",
            due_date=MONDAY - datetime.timedelta(days=20),
        ),
        "external": f.ActionItemFactory(
            meeting=meeting,
            owner_email="Manager@Kinderopvang.example",
            description="Werkgroep kindcentra",
            due_date=MONDAY + datetime.timedelta(days=6),
        ),
        # not in any digest: due later, done, or without an address
        "later": f.ActionItemFactory(
            meeting=meeting, owner_user=director, due_date=MONDAY + datetime.timedelta(days=8)
        ),
        "done": f.ActionItemFactory(
            meeting=meeting, owner_user=director, status="done", due_date=MONDAY
        ),
        "no_address": f.ActionItemFactory(meeting=meeting, owner_email="", due_date=MONDAY),
    }
    return made


def _by_recipient():
    return {m.to[0]: m for m in mail.outbox}


@pytest.mark.django_db
def test_each_owner_and_the_chair_get_one_digest_even_when_the_job_runs_twice(world, due):
    first = send_weekly_reminders.delay(MONDAY.isoformat()).get()
    second = send_weekly_reminders.delay(
        (MONDAY + datetime.timedelta(days=2)).isoformat()
    ).get()  # same ISO week
    assert first == {"owner": 2, "chair": 1, "skipped": 0}
    assert second == {"owner": 0, "chair": 0, "skipped": 3}
    sent = _by_recipient()
    director, chair = world.users[Role.SCHOOL_DIRECTOR].email, world.users[Role.LEA_CHAIR].email
    assert sorted(sent) == sorted([director, chair, "manager@kinderopvang.example"])
    assert len(mail.outbox) == 3

    body = sent[director].body
    assert "Plan De Vlonder" in body and "Scan nabespreken" in body and "TE LAAT" in body
    assert (
        reverse(
            "meetings:action_detail",
            kwargs={"municipality": "midden-groningen", "action_id": due["director_soon"].pk},
        )
        in body
    )
    assert "afmelden" not in body  # portal users manage their own notifications in the portal

    external = sent["manager@kinderopvang.example"]
    assert "Werkgroep kindcentra" in external.body and "/actiepunt/" in external.body
    assert (
        "/herinneringen/afmelden/" in external.body and "List-Unsubscribe" in external.extra_headers
    )

    summary = sent[chair].body
    assert all(
        d in summary for d in ["Plan De Vlonder", "Scan nabespreken", "Werkgroep kindcentra"]
    )
    with scopes_disabled():
        assert SentDigest.objects.count() == 3


@pytest.mark.django_db
def test_a_new_week_sends_again(world, due):
    reminders_send_weekly(today=MONDAY)
    result = reminders_send_weekly(today=MONDAY + datetime.timedelta(days=7))
    assert result["owner"] == 2 and len(mail.outbox) == 6


@pytest.mark.django_db
def test_a_failing_mail_server_does_not_mark_the_digest_sent(world, due, settings, monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    with pytest.raises(ConnectionRefusedError):
        reminders_send_weekly(today=MONDAY)
    monkeypatch.undo()
    with scopes_disabled():
        assert not SentDigest.objects.exists()
    assert reminders_send_weekly(today=MONDAY)["owner"] == 2


@pytest.mark.django_db
def test_external_owner_unsubscribes_through_the_signed_link(world, due, client):
    url = links.unsubscribe_link("manager@kinderopvang.example").split("localhost:8000", 1)[-1]
    page = client.get(url)
    assert page.status_code == 200 and not ReminderOptOut.objects.exists()  # GET only asks
    assert client.post(url).status_code == 200
    assert ReminderOptOut.objects.filter(email="manager@kinderopvang.example").exists()
    reminders_send_weekly(today=MONDAY)
    assert "manager@kinderopvang.example" not in _by_recipient()
    assert client.post(url[:-3] + "xyz/").status_code == 403  # tampered


@pytest.mark.django_db(transaction=True)
def test_reminder_job_through_a_real_worker_sends_one_digest_per_owner(celery_worker, world, due):
    """On PostgreSQL + Redis: the beat task goes through the broker to a worker process; run
    twice for the same week (and concurrently), each owner and chair still has one digest."""
    results = [send_weekly_reminders.delay(MONDAY.isoformat()) for _ in range(3)]
    deadline = time.monotonic() + 60
    with scopes_disabled():
        while time.monotonic() < deadline and SentDigest.objects.count() < 3:
            time.sleep(0.5)
        # give the other two runs time to finish (and to find nothing to send)
        time.sleep(3)
        rows = list(
            SentDigest.objects.order_by("recipient").values_list(
                "recipient", "kind", "iso_week", "action_count"
            )
        )
    director, chair = world.users[Role.SCHOOL_DIRECTOR].email, world.users[Role.LEA_CHAIR].email
    assert sorted(rows) == sorted(
        [
            (director, "owner", 10, 2),
            ("manager@kinderopvang.example", "owner", 10, 1),
            (chair, "chair", 10, 4),  # the chair also sees the action without an address
        ]
    )
    assert len(results) == 3
