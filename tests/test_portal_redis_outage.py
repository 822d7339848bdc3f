"""A real Redis stopped while people work, and started again (issue 13, section 5).

test_portal_jobs_faults.py points the portal at a port where nothing listens. Here a Redis
server of the test's own serves as broker and cache first, so the web process holds live
pooled connections, and is then really shut down and started again on the same port: the
pages stay pages, ``/health/`` answers 503 naming Redis, a report requested meanwhile waits "in de
wachtrij", and once Redis is back the same process (no restart) reports healthy
again and the sweeper hands the waiting job to the broker, once.
"""

import os
import shutil
import socket
import subprocess
import time
from datetime import timedelta

import pytest
import redis
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from funding.models import SpendingReport
from portal import jobs
from portal.celery import app
from portal.models import Job, Role

from .reports_data import make_report_world
from .test_portal_jobs_faults import point_broker

pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    """A redis-server on a free port, in memory only, that a test can stop and start."""

    def __init__(self, workdir):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        for _ in range(50):
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self):
        """A real shutdown: the server closes every client connection and exits."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def queue_length(self, queue: str) -> int:
        return redis.Redis(port=self.port).llen(queue)


@pytest.fixture
def own_redis(settings, tmp_path, monkeypatch):
    if not shutil.which("redis-server"):
        message = "needs the redis-server program"
        if os.environ.get("PORTAL_REQUIRE_WORKER"):
            pytest.fail(message)
        pytest.skip(message)
    server = OwnRedis(tmp_path)
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.FallbackRedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    settings.CELERY_TASK_ALWAYS_EAGER = False  # what /health/ reads
    old_broker, old_queue = app.conf.broker_url, app.conf.task_default_queue
    point_broker(app, server.url)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = "outage-test"
    # The test's transaction never commits: run on-commit callbacks at once, as a request's.
    monkeypatch.setattr(jobs.transaction, "on_commit", lambda fn, using=None, robust=False: fn())
    yield server
    server.stop()
    point_broker(app, old_broker)
    app.conf.task_default_queue = old_queue
    app.conf.task_always_eager = True


PAGES = ["/midden-groningen/", "/midden-groningen/financien/bevindingen/"]


def test_redis_stopped_and_started_again_under_a_running_web_process(world, own_redis):
    d = make_report_world(world)
    officer = Client(raise_request_exception=False)
    officer.force_login(world.users[Role.POLICY_OFFICER])
    chair_login = {"login": world.users[Role.LEA_CHAIR].email, "password": "Test-wachtwoord-1"}

    # Redis up: the process opens its pooled connections (cache, rate limits, broker).
    assert Client().get("/health/").status_code == 200
    for url in PAGES:
        assert officer.get(url).status_code == 200, url
    assert Client().post("/accounts/login/", chair_login).status_code == 302

    own_redis.stop()

    for url in PAGES:
        assert officer.get(url).status_code == 200, url
    health = Client().get("/health/")
    assert health.status_code == 503
    assert health.json()["cache"].startswith("error: Redis")
    assert health.json()["broker"].startswith("error: Redis")
    assert Client(raise_request_exception=False).post(
        "/accounts/login/", chair_login
    ).status_code in (302, 429)  # a page either way: signed in, or the limiter's clear refusal
    requested = officer.post(
        "/midden-groningen/financien/rapportages/", {"stream": d["stream"].code, "year": "2023"}
    )
    assert requested.status_code == 302
    page = officer.get(requested["Location"])
    assert page.status_code == 200
    assert str(SpendingReport.Status.QUEUED.label) in page.content.decode()  # "in de wachtrij"
    with scopes_disabled():
        job = Job.objects.get(task="funding.build_spending_report")
        assert job.status == "queued" and job.sent_at is None
        assert jobs.jobs_sweep(now=timezone.now() + timedelta(minutes=1))["sent"] == 0

    own_redis.start()  # the same address, a new server: nothing in this process restarts

    assert Client().get("/health/").status_code == 200
    assert Client().post("/accounts/login/", chair_login).status_code == 302
    for url in PAGES:
        assert officer.get(url).status_code == 200, url
    with scopes_disabled():
        assert jobs.jobs_sweep(now=timezone.now() + timedelta(minutes=1))["sent"] == 1
        assert jobs.jobs_sweep(now=timezone.now() + timedelta(minutes=2))["sent"] == 0
        job.refresh_from_db()
        assert job.sent_at is not None and SpendingReport.objects.get().status == "queued"
    assert own_redis.queue_length("outage-test") == 1  # handed to the broker once, for a worker
