"""Every job runs exactly once on real services (issue 13, section 5): a Celery worker on Redis
is SIGKILLed in the middle of a job; after a new worker starts the job finishes within two
minutes, built once, although the sweeper, Redis' redelivery and extra copies of the message
all reach the new worker. This test plays celery beat (it calls the sweeper every two
seconds); the worker runs with a 2 s heartbeat and counts a job dead after 10 s (conftest)."""

import time

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from funding.models import CheckRun, SpendingReport
from funding.reports import jobs as reports
from funding.services.checks import check_run_request
from portal import jobs
from portal.models import ImportJob, Job, Role
from schools.models import School

from .reports_data import make_report_world

pytestmark = pytest.mark.worker

DEAD_REDIS = "redis://127.0.0.1:1/0"


def point_broker(app, url):
    """Send this process' messages to ``url`` from now on (Celery caches its connection pools,
    so they are dropped too)."""
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


def _job(task):
    with scopes_disabled():
        return Job.objects.filter(task=task).order_by("-pk").first()


def _wait(predicate, *, timeout, sweep=True, every=1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sweep:
            with scopes_disabled():
                jobs.jobs_sweep()
        if predicate():
            return True
        time.sleep(every)
    return False


@pytest.fixture
def fast_sweeper(settings):
    settings.PORTAL_JOB_STALE_SECONDS = 10  # as the worker (conftest)


def test_a_report_whose_worker_is_killed_is_built_once_after_a_new_worker_starts(
    celery_worker, world, fast_sweeper
):
    d = make_report_world(
        world, extra_lines=2500
    )  # several seconds of PDF: the kill lands mid-build
    with scope(municipality=world.municipality):
        report, _created = reports.report_request(
            municipality=world.municipality,
            stream=d["stream"],
            year=2023,
            user=world.users[Role.ACCOUNTANT],
        )

    def state():
        with scopes_disabled():
            return SpendingReport.objects.get(pk=report.pk)

    assert _wait(lambda: state().status == "running", timeout=90, sweep=False, every=0.2)
    time.sleep(1.5)
    assert state().status == "running", "built before the kill; make it slower"
    celery_worker.kill()
    job = _job("funding.build_spending_report")
    assert job.status == "running" and job.attempts == 1  # what a dead worker leaves

    celery_worker.start()
    restarted = time.monotonic()
    # Extra copies of the message while the second attempt runs: they must not build again.
    assert _wait(lambda: state().status == "running" and state().attempts == 2, timeout=120)
    with scopes_disabled():
        jobs.job_send(_job("funding.build_spending_report"))
        jobs.job_send(_job("funding.build_spending_report"))
    assert _wait(lambda: state().status in ("done", "failed"), timeout=120)
    took = time.monotonic() - restarted
    print(f"report done {took:.0f} s after the new worker started")
    assert took < 120
    time.sleep(3)  # the copies reach the worker after the build: they find the job done
    current, job = state(), _job("funding.build_spending_report")
    assert current.status == "done", current.error
    assert current.attempts == 2 and job.attempts == 2 and job.status == "done"
    with scopes_disabled():
        payload, _name = reports.report_file(current, "pdf")
    assert payload.startswith(b"%PDF")


def _duo_file(rows):
    lines = ["INSTELLINGSCODE;VESTIGINGSCODE;VESTIGINGSNAAM;GEMEENTENUMMER;SOORT_PO"]
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    for n in range(rows):
        brin = f"{n % 90:02d}{letters[(n // 90) % 23]}{letters[n // 2070]}"
        lines.append(f"{brin};{brin}00;School {n};1952;Bo")
    return "\n".join(lines).encode()


def test_a_confirmed_import_whose_worker_is_killed_runs_once_after_a_new_worker_starts(
    celery_worker, client, world, fast_sweeper
):
    client.force_login(world.users[Role.POLICY_OFFICER])
    url = reverse("schools:school_import", kwargs={"municipality": world.municipality.slug})
    preview = client.post(url, {"file": SimpleUploadedFile("duo.csv", _duo_file(20_000))})
    assert preview.status_code == 200
    assert client.post(url, {"token": preview.context["token"]}).status_code == 302

    def status():
        with scopes_disabled():
            return ImportJob.objects.get().status

    assert _wait(lambda: status() == "running", timeout=60, sweep=False, every=0.2)
    celery_worker.kill()
    with scopes_disabled():
        assert School.objects.count() == 3  # all-or-nothing: the killed run left nothing
    celery_worker.start()
    restarted = time.monotonic()
    assert _wait(lambda: status() in ("done", "failed"), timeout=120), status()
    print(f"import done {time.monotonic() - restarted:.0f} s after the new worker started")
    job = _job("portal.tasks.import_job_run")
    assert status() == "done" and job.status == "done" and job.attempts == 2
    with scopes_disabled():
        assert School.objects.filter(municipality=world.municipality).count() == 20_000 + 2


def test_a_check_run_whose_worker_is_killed_runs_once_after_a_new_worker_starts(
    celery_worker, world, fast_sweeper
):
    """The check run is held mid-run deterministically: this test holds a lock on the
    municipality's row that blocks the run's FOR UPDATE before it stores its findings (NO KEY
    UPDATE: new rows that refer to the municipality are not blocked), so the kill lands while
    the run waits."""
    db = connection.settings_dict
    holder = psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        dbname=db["NAME"],
        autocommit=False,
    )
    try:
        holder.execute(
            "SELECT id FROM portal_municipality WHERE id = %s FOR NO KEY UPDATE",
            [world.municipality.pk],
        )
        with scope(municipality=world.municipality):
            run = check_run_request(
                municipality=world.municipality, actor=world.users[Role.POLICY_OFFICER]
            )

        def state():
            with scopes_disabled():
                return CheckRun.objects.get(pk=run.pk)

        assert _wait(lambda: state().status == "running", timeout=60, sweep=False, every=0.2)
        time.sleep(1)
        assert state().status == "running"  # waiting for the lock, mid-run
        celery_worker.kill()
    finally:
        holder.rollback()
        holder.close()
    job = _job("funding.tasks.run_checks")
    assert job.status == "running" and job.attempts == 1
    celery_worker.start()
    restarted = time.monotonic()
    assert _wait(lambda: state().status in ("done", "failed"), timeout=120), state().status
    print(f"check run done {time.monotonic() - restarted:.0f} s after the new worker started")
    job = _job("funding.tasks.run_checks")
    assert state().status == "done" and job.status == "done" and job.attempts == 2


def test_a_check_run_requested_while_redis_is_down_runs_on_the_worker_once_it_is_back(
    celery_worker, client, world, settings
):
    from portal.celery import app

    client.force_login(world.users[Role.POLICY_OFFICER])
    good_broker = app.conf.broker_url
    point_broker(app, DEAD_REDIS)  # this web process cannot reach Redis
    try:
        response = client.post(
            reverse("funding:check_run_start", kwargs={"municipality": world.municipality.slug})
        )
    finally:
        point_broker(app, good_broker)
    assert response.status_code in (200, 302)
    job = _job("funding.tasks.run_checks")
    assert job.status == "queued" and job.sent_at is None
    # Redis is back: the sweep sends it and the worker runs it, once.
    assert _wait(lambda: _job("funding.tasks.run_checks").status == "done", timeout=60)
    assert _job("funding.tasks.run_checks").attempts == 1
