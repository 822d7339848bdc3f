"""Jobs and pages when services fail (issue 13, section 5), in-process: a job requested while
Redis is down is kept and runs once Redis is back; a job runs once however often its message
arrives; a dead worker's job is taken over; an unreachable database or Redis answers a clear
Dutch page, never a traceback. (With a real worker and SIGKILL: test_portal_jobs_worker.py.)"""

from datetime import timedelta
from unittest import mock

import pytest
from celery import shared_task
from celery.exceptions import Retry
from django.db import OperationalError
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from funding.models import SpendingReport
from portal import jobs
from portal.models import Job, Role

from .reports_data import make_report_world

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens: what a stopped Redis looks like


def point_broker(app, url):
    """Send this process' messages to ``url`` from now on (Celery caches its connection pools,
    so they are dropped too)."""
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


RUNS: list = []


@shared_task(name="tests.jobs_probe", base=jobs.JobTask)
def jobs_probe(label: str, fail: bool = False):
    RUNS.append(label)
    if fail:
        raise ValueError("kapot")
    return label


@pytest.fixture(autouse=True)
def _on_commit_runs_at_once(monkeypatch):
    """The test's transaction never commits: run on-commit callbacks at once, as a committed
    request would."""
    monkeypatch.setattr(jobs.transaction, "on_commit", lambda fn, using=None, robust=False: fn())
    RUNS.clear()


@pytest.fixture
def redis_down(settings):
    """Broker and cache point where nothing listens; workers would run the jobs (not eager)."""
    from portal.celery import app

    settings.CACHES = {
        "default": {"BACKEND": "portal.cache.FallbackRedisCache", "LOCATION": DEAD_REDIS}
    }
    settings.CELERY_TASK_ALWAYS_EAGER = False  # what /health/ reads
    old_broker = app.conf.broker_url
    point_broker(app, DEAD_REDIS)
    app.conf.task_always_eager = False
    yield app
    point_broker(app, old_broker)
    app.conf.task_always_eager = True


def test_a_report_requested_while_redis_is_down_waits_and_runs_when_redis_is_back(
    world, redis_down
):
    d = make_report_world(world)
    client = Client(raise_request_exception=False)
    client.force_login(world.users[Role.POLICY_OFFICER])
    response = client.post(
        "/midden-groningen/financien/rapportages/", {"stream": d["stream"].code, "year": "2023"}
    )
    assert response.status_code == 302  # not a 500: the request is kept
    with scopes_disabled():
        report = SpendingReport.objects.get()
        job = Job.objects.get(task="funding.build_spending_report")
    assert report.status == "queued" and job.status == "queued" and job.sent_at is None
    page = client.get(response["Location"])
    assert page.status_code == 200
    # Redis still down: the sweeper tries, keeps the job, raises nothing.
    with scopes_disabled():
        assert jobs.jobs_sweep(now=timezone.now() + timedelta(minutes=1))["sent"] == 0
    # Redis is back (in-process here): the next sweep sends it and it runs, once.
    redis_down.conf.task_always_eager = True
    with scopes_disabled():
        assert jobs.jobs_sweep(now=timezone.now() + timedelta(minutes=1))["sent"] == 1
        report.refresh_from_db()
        job.refresh_from_db()
        assert report.status == "done" and report.attempts == 1
        assert job.status == "done" and job.attempts == 1
        assert jobs.jobs_sweep(now=timezone.now() + timedelta(minutes=1))["sent"] == 0


def test_a_job_runs_once_however_often_its_message_arrives():
    job = jobs.enqueue("tests.jobs_probe", "a")
    job.refresh_from_db()
    assert RUNS == ["a"] and job.status == "done" and job.attempts == 1
    for _duplicate in range(3):  # Redis redelivering, the sweeper re-sending
        jobs_probe.apply(args=["a"], kwargs={jobs.JOB_KWARG: job.pk})
    job.refresh_from_db()
    assert RUNS == ["a"] and job.attempts == 1


def test_claiming_is_exclusive_and_a_dead_workers_job_is_taken_over(settings):
    settings.PORTAL_JOB_STALE_SECONDS = 60
    with mock.patch.object(jobs, "job_send"):
        job = jobs.enqueue("tests.jobs_probe", "b")
    assert jobs.job_claim(job.pk, worker="w1") == 1
    assert jobs.job_claim(job.pk, worker="w2") is None  # running, heartbeat fresh
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=61))
    assert jobs.job_claim(job.pk, worker="w2") == 2  # w1 died: w2 takes over
    jobs.job_finish(job.pk, 1)  # w1 was not dead after all: its late finish changes nothing
    job.refresh_from_db()
    assert job.status == "running" and job.worker == "w2"
    jobs.job_finish(job.pk, 2)
    job.refresh_from_db()
    assert job.status == "done"


def test_the_sweeper_requeues_dead_jobs_and_fails_them_after_max_attempts(settings):
    settings.PORTAL_JOB_MAX_ATTEMPTS = 2
    with mock.patch.object(jobs, "job_send"):
        job = jobs.enqueue("tests.jobs_probe", "c")
    long_ago = timezone.now() - timedelta(minutes=5)
    Job.objects.filter(pk=job.pk).update(status="running", heartbeat_at=long_ago, attempts=1)
    assert jobs.jobs_sweep() == {"requeued": 1, "failed": 0, "sent": 1, "removed": 0}
    job.refresh_from_db()
    assert RUNS == ["c"] and job.status == "done" and job.attempts == 2
    Job.objects.filter(pk=job.pk).update(status="running", heartbeat_at=long_ago)
    assert jobs.jobs_sweep()["failed"] == 1
    job.refresh_from_db()
    assert job.status == "failed" and "worker lost" in job.error


def test_a_failing_job_is_failed_with_its_reason_and_a_retry_goes_back_to_the_queue():
    with pytest.raises(ValueError):
        jobs.enqueue("tests.jobs_probe", "d", fail=True)
    job = Job.objects.get(args=["d"])
    assert job.status == "failed" and "kapot" in job.error
    with mock.patch.object(jobs, "job_send"):
        job = jobs.enqueue("tests.jobs_probe", "e")
    with mock.patch.object(jobs_probe, "run", side_effect=Retry()), pytest.raises(Retry):
        jobs_probe("e", **{jobs.JOB_KWARG: job.pk})
    job.refresh_from_db()
    assert job.status == "queued" and job.attempts == 1


def test_a_job_waits_for_its_countdown(settings):
    with mock.patch.object(jobs, "job_send") as send:
        job = jobs.enqueue("tests.jobs_probe", "f", countdown=30)
    assert send.called and job.not_before > timezone.now() + timedelta(seconds=25)
    assert jobs.jobs_sweep()["sent"] == 0  # not due yet
    assert jobs.jobs_sweep(now=timezone.now() + timedelta(seconds=45))["sent"] == 1


def test_only_job_tasks_can_be_enqueued():
    with pytest.raises(TypeError):
        jobs.enqueue("portal.tasks.sweep_jobs")


def test_pages_and_login_with_redis_down_are_pages_and_health_names_redis(world, redis_down):
    client = Client(raise_request_exception=False)
    client.force_login(world.users[Role.POLICY_OFFICER])
    for url in [
        "/midden-groningen/",
        "/midden-groningen/financien/bevindingen/",
        "/midden-groningen/leden/",
    ]:
        assert client.get(url).status_code == 200, url
    health = Client().get("/health/")
    assert health.status_code == 503
    body = health.json()
    assert body["database"] == "ok"
    assert body["cache"].startswith("error: Redis") and body["broker"].startswith("error: Redis")
    login = Client(raise_request_exception=False).post(
        "/accounts/login/",
        {"login": world.users[Role.LEA_CHAIR].email, "password": "Test-wachtwoord-1"},
    )
    assert login.status_code == 302


def test_an_unreachable_database_answers_a_dutch_503_page(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.users[Role.POLICY_OFFICER])
    down = OperationalError('connection to server at "db" (10.0.0.3), port 5432 failed')
    with mock.patch("portal.selectors.members", side_effect=down):
        response = client.get("/midden-groningen/leden/")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    page = response.content.decode()
    assert "De database reageert op dit moment niet." in page
    assert "Traceback" not in page and "5432" not in page


def test_any_other_error_stays_the_plain_500(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.users[Role.POLICY_OFFICER])
    with mock.patch("portal.selectors.members", side_effect=KeyError("x")):
        response = client.get("/midden-groningen/leden/")
    assert response.status_code == 500


def test_finished_jobs_are_removed_after_the_keep_period(settings):
    settings.PORTAL_JOB_KEEP_DAYS = 30
    recent = jobs.enqueue("tests.jobs_probe", "g")
    old = jobs.enqueue("tests.jobs_probe", "h")
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=31))
    assert jobs.jobs_sweep()["removed"] == 1
    assert list(Job.objects.values_list("pk", flat=True)) == [recent.pk]
