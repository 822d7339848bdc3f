"""Period locking (product.md, capability 12): an accountant makes a year's report final, which
locks that year's lines of the stream; a policy officer reopens it with a reason (audited); the
next report is a new version that shows the reopening."""

import datetime

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from funding.models import PeriodLock, SpendingReport
from funding.reports import jobs, locks
from funding.reports.content import build_report_content
from funding.reports.locks import assert_lines_unlocked
from portal.exceptions import ApplicationError
from portal.formatting import format_date as nldate
from portal.models import AuditEvent, Role

from .pdf_text import pdf_text
from .reports_data import make_report_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _jobs_start_on_commit(monkeypatch):
    monkeypatch.setattr(jobs.transaction, "on_commit", lambda fn, using=None, robust=False: fn())


def _url(name, **kwargs):
    return reverse(f"funding:{name}", kwargs={"municipality": "midden-groningen", **kwargs})


def test_finalise_locks_the_year_until_a_policy_officer_reopens_it_with_a_reason(world, client):
    d = make_report_world(world)
    stream = d["stream"]
    client.force_login(world.users[Role.POLICY_OFFICER])
    client.post(_url("report_list"), {"stream": "NPO-GEM", "year": "2023"})
    with scopes_disabled():
        report = SpendingReport.objects.get()

    # The policy officer may not make it final (403); the accountant may.
    assert client.post(_url("report_finalise", report_id=report.pk)).status_code == 403
    client.force_login(world.users[Role.ACCOUNTANT])
    assert client.post(_url("report_finalise", report_id=report.pk)).status_code == 302
    with scopes_disabled():
        lock = PeriodLock.objects.get(stream=stream, year=2023, reopened_at__isnull=True)
        report.refresh_from_db()
        assert report.finalised_by == world.users[Role.ACCOUNTANT]
        with pytest.raises(ApplicationError, match="2023"):
            assert_lines_unlocked(
                municipality=world.municipality, lines=[(stream.pk, datetime.date(2023, 5, 1))]
            )
        assert_lines_unlocked(
            municipality=world.municipality, lines=[(stream.pk, datetime.date(2024, 5, 1))]
        )

    # The accountant cannot reopen (403); the policy officer must give a reason.
    assert client.post(_url("period_reopen", lock_id=lock.pk), {"reason": "x"}).status_code == 403
    client.force_login(world.users[Role.POLICY_OFFICER])
    assert client.post(_url("period_reopen", lock_id=lock.pk), {"reason": "  "}).status_code == 400
    response = client.post(
        _url("period_reopen", lock_id=lock.pk), {"reason": "Correctie factuur leverancier"}
    )
    assert response.status_code == 302
    with scopes_disabled():
        lock.refresh_from_db()
        assert (
            lock.reopened_by == world.users[Role.POLICY_OFFICER]
            and lock.reopen_reason == "Correctie factuur leverancier"
        )
        event = AuditEvent.objects.get(action="period.reopen")
        assert (
            event.reason == "Correctie factuur leverancier"
            and event.actor == world.users[Role.POLICY_OFFICER]
        )
        assert AuditEvent.objects.filter(action="period.lock").count() == 1
        assert_lines_unlocked(
            municipality=world.municipality, lines=[(stream.pk, datetime.date(2023, 5, 1))]
        )

    # The lock history feeds the report: asking again makes version 2, which shows the reopening.
    client.post(_url("report_list"), {"stream": "NPO-GEM", "year": "2023"})
    with scopes_disabled():
        second = SpendingReport.objects.get(version=2)
        assert second.status == "done"
        with scope(municipality=world.municipality):
            content = build_report_content(
                municipality=world.municipality, stream=stream, year=2023, report=second
            )
    assert content.version == 2 and [(ln.year, ln.reason) for ln in content.locks] == [
        (2023, "Correctie factuur leverancier")
    ]
    with scopes_disabled():
        payload, _name = jobs.report_file(second, "pdf")
    words = " ".join(pdf_text(payload, layout=False).split())
    assert "versie 2" in words and "Afsluiting en heropening van de periode" in words
    assert "Correctie factuur leverancier" in words


def test_only_a_current_finished_year_report_can_be_made_final(world):
    d = make_report_world(world)
    accountant = world.users[Role.ACCOUNTANT]
    with scope(municipality=world.municipality):
        whole, _ = jobs.report_request(
            municipality=world.municipality, stream=d["stream"], year=None, user=accountant
        )
        whole.refresh_from_db()
        with pytest.raises(ApplicationError, match="jaarrapportage"):
            locks.report_finalise(report=whole, user=accountant)
        year, _ = jobs.report_request(
            municipality=world.municipality, stream=d["stream"], year=2023, user=accountant
        )
        year.refresh_from_db()
        d["lines"][1].amount += 1
        d["lines"][1].save()
        with pytest.raises(ApplicationError, match="gewijzigd"):
            locks.report_finalise(report=year, user=accountant)
        assert not PeriodLock.objects.exists()


def test_finalising_an_unchanged_request_names_the_version_it_points_at(world, client):
    """A second request with unchanged data is a row without a version of its own (same_as);
    finalising it finalises that version, and the message names it ("Versie 1"), not None."""
    make_report_world(world)
    client.force_login(world.users[Role.POLICY_OFFICER])
    client.post(_url("report_list"), {"stream": "NPO-GEM", "year": "2023"})
    client.post(_url("report_list"), {"stream": "NPO-GEM", "year": "2023"})
    with scopes_disabled():
        first, again = SpendingReport.objects.order_by("pk")
    assert (first.version, again.version, again.same_as_id) == (1, None, first.pk)
    client.force_login(world.users[Role.ACCOUNTANT])
    page = client.post(_url("report_finalise", report_id=again.pk), follow=True)
    text = page.content.decode()
    assert "Versie 1 is definitief" in text and "Versie None" not in text
    with scopes_disabled():
        first.refresh_from_db()
        assert first.finalised_by == world.users[Role.ACCOUNTANT]
    # Both rows say the data they show are final: the unchanged row is that version.
    final = f"<dd>{nldate(first.finalised_at)}</dd>"
    for report in (first, again):
        assert final in client.get(_url("report_detail", report_id=report.pk)).content.decode()
    listed = client.get(_url("report_list")).content.decode()
    assert listed.count(f"ja, {nldate(first.finalised_at)}") == 2
