"""A job that was given up never keeps a page on "bezig" or "wacht op verwerking" (issue 13 §5).

The sweeper gives a job up after ``PORTAL_JOB_MAX_ATTEMPTS`` lost workers, and a task that ends
in an error (after its last retry) is failed too: in both cases the row the user watches (an
import, a check run, a report) ends failed with a Dutch reason, and its page offers a retry."""

import io
from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from funding.models import CheckRun
from portal import jobs
from portal.imports import jobs as import_jobs
from portal.models import ExportJob, ImportJob, Job, Role

from . import factories as f

pytestmark = pytest.mark.django_db

STILL_BUSY = ("Bezig met", "wacht op verwerking", "De controle loopt", "begint zo")


@pytest.fixture
def max_attempts(settings):
    settings.PORTAL_JOB_MAX_ATTEMPTS = 2
    return 2


def _lost_job(task, row, attempts):
    """The job of ``row`` as a killed worker leaves it: running, heartbeat long gone, out of
    attempts."""
    return Job.objects.create(
        task=task,
        args=[row.pk],
        kwargs={"municipality_id": row.municipality_id},
        municipality_id=row.municipality_id,
        status=Job.Status.RUNNING,
        attempts=attempts,
        heartbeat_at=timezone.now() - timedelta(minutes=10),
        not_before=timezone.now() - timedelta(minutes=20),
    )


def _sweep():
    with scopes_disabled():
        return jobs.jobs_sweep()


def _page(client, world, name, **kwargs):
    client.force_login(world.users[Role.POLICY_OFFICER])
    response = client.get(reverse(name, kwargs={"municipality": world.municipality.slug, **kwargs}))
    assert response.status_code == 200
    return response.content.decode()


def _assert_failed_with_retry(html):
    for busy in STILL_BUSY:
        assert busy not in html
    assert "Opnieuw proberen" in html


def test_a_given_up_check_run_shows_its_failure_and_a_retry(client, world, max_attempts):
    with scopes_disabled():
        run = CheckRun.objects.create(municipality=world.municipality, status="running")
    job = _lost_job("funding.tasks.run_checks", run, max_attempts)
    assert _sweep()["failed"] == 1
    run.refresh_from_db()
    job.refresh_from_db()
    assert job.status == "failed" and run.status == "failed" and run.finished_at
    assert "2 keer onderbroken" in run.error
    html = _page(client, world, "funding:check_run_status", check_run_id=run.pk)
    assert "Mislukt" in html
    _assert_failed_with_retry(html)


def test_a_given_up_report_shows_its_reason_and_a_retry(client, world, max_attempts):
    with scopes_disabled():
        report = f.SpendingReportFactory(municipality=world.municipality, status="queued")
    _lost_job("funding.build_spending_report", report, max_attempts)
    _sweep()
    report.refresh_from_db()
    assert report.status == "failed" and "onderbroken" in report.error
    html = _page(client, world, "funding:report_detail", report_id=report.pk)
    assert "onderbroken" in html
    _assert_failed_with_retry(html)


def test_a_given_up_import_keeps_its_file_and_runs_again_on_retry(
    client, world, max_attempts, django_capture_on_commit_callbacks
):
    path = default_storage.save(f"{import_jobs.IMPORT_UPLOADS}/lost.csv", io.BytesIO(b"a\n1\n"))
    with scopes_disabled():
        job = ImportJob.objects.create(
            municipality=world.municipality,
            kind="schools",
            path=path,
            filename="lost.csv",
            status="running",
        )
    _lost_job("portal.tasks.import_job_run", job, max_attempts)
    _sweep()
    job.refresh_from_db()
    assert job.status == "failed" and "onderbroken" in job.errors[0]
    html = _page(client, world, "schools:import_job", import_job_id=job.pk)
    assert "onderbroken" in html
    _assert_failed_with_retry(html)

    runs_before = Job.objects.filter(task="portal.tasks.import_job_run").count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(
                "schools:import_job",
                kwargs={"municipality": world.municipality.slug, "import_job_id": job.pk},
            ),
            {"retry": "1"},
        )
    assert response.status_code == 302
    job.refresh_from_db()
    # It ran again (in-process): this file has no DUO columns, so it fails with its own reasons,
    # and the upload is gone, so no second retry is offered.
    assert Job.objects.filter(task="portal.tasks.import_job_run").count() == runs_before + 1
    assert job.status == "failed" and not any("onderbroken" in line for line in job.errors)
    assert not default_storage.exists(path)
    assert "Opnieuw proberen" not in _page(
        client, world, "schools:import_job", import_job_id=job.pk
    )


def test_a_task_that_ends_in_an_error_fails_its_row_too(world):
    """A task's error after its last retry (not the sweeper) also ends the watched row."""
    with scopes_disabled():
        run = CheckRun.objects.create(municipality=world.municipality, status="queued")
    job = _lost_job("funding.tasks.run_checks", run, 0)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED)
    attempt = jobs.job_claim(job.pk, worker="w1")
    jobs.job_finish(job.pk, attempt, error="SMTPException: 421")
    run.refresh_from_db()
    assert run.status == "failed" and "fout in het portaal" in run.error
    assert "SMTP" not in run.error  # the user reads Dutch, not the internal error


def test_a_job_still_being_retried_is_not_given_up(world, max_attempts):
    """Below the maximum the sweeper re-queues: the row stays as it is (it will run)."""
    with scopes_disabled():
        run = CheckRun.objects.create(municipality=world.municipality, status="running")
    _lost_job("funding.tasks.run_checks", run, max_attempts - 1)
    with mock.patch.object(jobs, "job_send", return_value=True):
        assert _sweep()["requeued"] == 1
    run.refresh_from_db()
    assert run.status == "running"


def test_a_given_up_export_shows_failed_not_waiting(world, client, max_attempts):
    with scopes_disabled():
        export = ExportJob.objects.create(
            municipality=world.municipality,
            created_by=world.users[Role.POLICY_OFFICER],
            path="/midden-groningen/financien/bestedingen/",
            query="export=xlsx",
            name="bestedingen",
            status=ExportJob.Status.RUNNING,
        )
        _lost_job("portal.tasks.export_job_run", export, attempts=max_attempts)
    assert _sweep()["failed"] == 1
    with scopes_disabled():
        export.refresh_from_db()
    assert export.status == "failed" and export.error
    page = _page(client, world, "portal:export_job", export_job_id=export.pk)
    assert "mislukt" in page and not any(busy in page for busy in STILL_BUSY)
