"""An invitation's mail on the members page (issue 13 §5): "wacht op verwerking", "verstuurd op
<datum>" or "niet verstuurd" with the reason, read from the invitation's own fields (set by the
mail task and by the give-up handler of its job), with "Opnieuw versturen" that queues one new
mail job. The page's query count does not grow with the number of invitations."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from portal import jobs
from portal.models import AuditEvent, Invitation, Job, Role
from portal.services import invitation_create

pytestmark = pytest.mark.django_db

TASK = "portal.tasks.send_invitation"


def _members_url(world, municipality=None):
    return reverse(
        "portal:members", kwargs={"municipality": (municipality or world.municipality).slug}
    )


def _resend_url(world, invitation, municipality=None):
    return reverse(
        "portal:invitation_resend",
        kwargs={
            "municipality": (municipality or world.municipality).slug,
            "invitation_id": invitation.pk,
        },
    )


def _invite(world, email="nieuw@a.example", role=Role.LEA_CHAIR):
    """An invitation made through the service (its mail job queued, not yet run)."""
    with scope(municipality=world.municipality):
        return invitation_create(
            invited_by=world.users[Role.POLICY_OFFICER],
            municipality=world.municipality,
            email=email,
            role=role,
        )


def _mail_jobs(invitation):
    return Job.objects.filter(task=TASK, args__0=invitation.pk)


def _members_page(client, world):
    client.force_login(world.users[Role.POLICY_OFFICER])
    response = client.get(_members_url(world))
    assert response.status_code == 200
    return response.content.decode()


def _row(html, email):
    """The table row of the invitation of ``email`` on the members page."""
    start = html.index(f"<tr><td>{email}</td>")
    return html[start : html.index("</tr>", start)]


def test_a_new_invitation_waits_for_processing(client, world):
    invitation = _invite(world)
    assert invitation.mail_status == Invitation.MailStatus.QUEUED
    assert _mail_jobs(invitation).count() == 1
    row = _row(_members_page(client, world), "nieuw@a.example")
    assert "wacht op verwerking" in row
    assert "niet verstuurd" not in row


def test_a_sent_mail_shows_when_it_went_out_in_dutch_time(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(world)
    invitation.refresh_from_db()
    assert len(mail.outbox) == 1
    assert invitation.mail_status == Invitation.MailStatus.SENT and invitation.sent_at
    # A fixed moment in summer (UTC+2) shows as Amsterdam time, nl-NL.
    Invitation.objects.filter(pk=invitation.pk).update(
        sent_at=datetime(2023, 4, 26, 7, 5, tzinfo=UTC)
    )
    row = _row(_members_page(client, world), "nieuw@a.example")
    assert "verstuurd op 26-04-2023 09:05" in row
    assert "wacht op verwerking" not in row


def test_a_given_up_mail_job_marks_the_invitation_not_sent(client, world, settings):
    """The sweeper gives the job up after its last lost worker: the invitation says "niet
    verstuurd" with the reason and offers the resend, never "wacht op verwerking"."""
    settings.PORTAL_JOB_MAX_ATTEMPTS = 2
    invitation = _invite(world)
    _mail_jobs(invitation).update(
        status=Job.Status.RUNNING,
        attempts=2,
        heartbeat_at=timezone.now() - timedelta(minutes=10),
        not_before=timezone.now() - timedelta(minutes=20),
    )
    with scopes_disabled():
        assert jobs.jobs_sweep()["failed"] == 1
    invitation.refresh_from_db()
    assert invitation.mail_status == Invitation.MailStatus.FAILED
    assert "2 keer onderbroken" in invitation.mail_error
    row = _row(_members_page(client, world), "nieuw@a.example")
    assert "niet verstuurd" in row and "2 keer onderbroken" in row
    assert "Opnieuw versturen" in row
    assert _resend_url(world, invitation) in row
    assert "wacht op verwerking" not in row


def test_a_mail_task_that_ends_in_an_error_marks_the_invitation_not_sent(
    client, world, django_capture_on_commit_callbacks
):
    with (
        mock.patch("portal.services.send_mail", side_effect=RuntimeError("smtp says no")),
        pytest.raises(RuntimeError),
        django_capture_on_commit_callbacks(execute=True),
    ):
        invitation = _invite(world)
    invitation = Invitation.objects.get(email="nieuw@a.example")
    assert _mail_jobs(invitation).get().status == Job.Status.FAILED
    assert invitation.mail_status == Invitation.MailStatus.FAILED
    assert invitation.sent_at is None
    row = _row(_members_page(client, world), "nieuw@a.example")
    assert "niet verstuurd" in row and "fout in het portaal" in row
    assert "smtp says no" not in row  # no internal error text for the user
    assert "wacht op verwerking" not in row


def test_resend_queues_one_new_mail_job_and_is_audited(client, world):
    invitation = _invite(world)
    Invitation.objects.filter(pk=invitation.pk).update(
        mail_status=Invitation.MailStatus.FAILED, mail_error="kapot"
    )
    before = _mail_jobs(invitation).count()
    client.force_login(world.users[Role.POLICY_OFFICER])
    response = client.post(_resend_url(world, invitation))
    assert response.status_code == 302
    assert response["Location"] == _members_url(world)
    assert _mail_jobs(invitation).count() == before + 1
    new = _mail_jobs(invitation).order_by("-pk").first()
    assert new.status == Job.Status.QUEUED
    assert new.municipality_id == world.municipality.pk
    assert new.args[1].startswith("http://testserver/uitnodiging/")
    invitation.refresh_from_db()
    assert invitation.mail_status == Invitation.MailStatus.QUEUED and invitation.mail_error == ""
    event = AuditEvent.objects.get(action="invitation.resend")
    assert event.actor == world.users[Role.POLICY_OFFICER]
    assert event.municipality == world.municipality
    row = _row(client.get(_members_url(world)).content.decode(), "nieuw@a.example")
    assert "wacht op verwerking" in row


def test_a_resent_mail_goes_out_once(client, world, django_capture_on_commit_callbacks):
    """The old job and the new one may both run: the invitation is mailed once."""
    invitation = _invite(world)
    client.force_login(world.users[Role.POLICY_OFFICER])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_resend_url(world, invitation))
    old = _mail_jobs(invitation).order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        jobs.job_send(old)
    assert len(mail.outbox) == 1
    invitation.refresh_from_db()
    assert invitation.mail_status == Invitation.MailStatus.SENT


def test_resend_of_another_municipality_is_404(client, world):
    with scope(municipality=world.other_municipality):
        foreign = Invitation.objects.create(
            municipality=world.other_municipality, email="x@b.example", role=Role.LEA_CHAIR
        )
    own = _invite(world)
    # The other municipality's policy officer: not in this municipality at all.
    client.force_login(world.foreign_user)
    assert client.post(_resend_url(world, own)).status_code == 404
    # Our policy officer naming the other municipality's invitation under our own slug.
    client.force_login(world.users[Role.POLICY_OFFICER])
    assert client.post(_resend_url(world, foreign)).status_code == 404
    assert _mail_jobs(foreign).count() == 0
    assert _mail_jobs(own).count() == 1


def test_resend_of_an_accepted_invitation_is_404(client, world):
    invitation = _invite(world)
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
    client.force_login(world.users[Role.POLICY_OFFICER])
    assert client.post(_resend_url(world, invitation)).status_code == 404
    assert _mail_jobs(invitation).count() == 1


def test_resend_needs_post_and_the_invite_permission(client, world):
    invitation = _invite(world)
    client.force_login(world.users[Role.POLICY_OFFICER])
    assert client.get(_resend_url(world, invitation)).status_code == 405
    client.force_login(world.users[Role.ACCOUNTANT])
    assert client.post(_resend_url(world, invitation)).status_code in (403, 404)
    assert _mail_jobs(invitation).count() == 1


def _count_queries(client, world):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_members_url(world))
    assert response.status_code == 200
    return len(queries)


def test_members_page_query_count_does_not_grow_with_invitations(client, world):
    """The mail status is read from the invitation itself: no query per invitation."""
    _invite(world, "een@a.example")
    client.force_login(world.users[Role.POLICY_OFFICER])
    one = _count_queries(client, world)
    sent = _invite(world, "twee@a.example")
    failed = _invite(world, "drie@a.example", role=Role.ACCOUNTANT)
    Invitation.objects.filter(pk=sent.pk).update(
        mail_status=Invitation.MailStatus.SENT, sent_at=timezone.now()
    )
    Invitation.objects.filter(pk=failed.pk).update(mail_status=Invitation.MailStatus.FAILED)
    _invite(world, "vier@a.example")
    many = _count_queries(client, world)
    assert one == many
    # session, user, municipality, memberships (middleware); members with school; invitations
    # with school; schools for the form.
    assert many == 7


def test_the_mail_status_reads_in_english_too(client, world):
    invitation = _invite(world)
    Invitation.objects.filter(pk=invitation.pk).update(mail_status=Invitation.MailStatus.FAILED)
    client.force_login(world.users[Role.POLICY_OFFICER])
    client.cookies["django_language"] = "en"
    row = _row(client.get(_members_url(world)).content.decode(), "nieuw@a.example")
    assert "not sent" in row and "Send again" in row
    assert "niet verstuurd" not in row and "Opnieuw versturen" not in row


def test_an_old_job_given_up_after_a_resend_leaves_the_new_one_waiting(client, world):
    """The first job fails while the resend's job still waits: the page keeps saying "wacht op
    verwerking" (the new job will send it), not "niet verstuurd"."""
    invitation = _invite(world)
    client.force_login(world.users[Role.POLICY_OFFICER])
    client.post(_resend_url(world, invitation))
    old = _mail_jobs(invitation).order_by("pk").first()
    Job.objects.filter(pk=old.pk).update(status=Job.Status.FAILED, error="boom")
    jobs.job_given_up(old.pk)
    invitation.refresh_from_db()
    assert invitation.mail_status == Invitation.MailStatus.QUEUED
    # Once the newer job is given up too, the invitation is "niet verstuurd".
    new = _mail_jobs(invitation).order_by("-pk").first()
    Job.objects.filter(pk=new.pk).update(status=Job.Status.FAILED, error="boom")
    jobs.job_given_up(new.pk)
    invitation.refresh_from_db()
    assert invitation.mail_status == Invitation.MailStatus.FAILED
