"""Shared fixtures. ``world`` is the cast of the permission tests: one municipality with a user
for every role, a second municipality with its own policy officer (the foreign user), and a
region holding the first one."""

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from portal import compile_messages
from portal.models import Role

from . import factories as f


@pytest.fixture(autouse=True)
def _portal_settings(settings, tmp_path):
    # Files written by a test go to a throw-away folder; mail is captured by Django's locmem
    # backend (pytest-django); 2FA stays as configured unless a test changes it.
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.STORAGES = {
        **django_settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }
    settings.PORTAL_REQUIRE_2FA = False
    # Each test gets its own cache namespace: on Redis, state such as allauth's login rate
    # limits would otherwise carry over from one test to the next (and flushing the Redis
    # database would also drop the broker's queues a worker test relies on).
    settings.CACHES = {
        "default": {**django_settings.CACHES["default"], "KEY_PREFIX": f"t{uuid.uuid4().hex[:12]}"}
    }
    # Hashing with the production hasher costs ~0.2 s per user; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_in_process():
    """Tasks run in-process unless a test asks for the real worker (``celery_worker``), even
    when REDIS_URL is set: a test without a worker must not leave jobs waiting on the broker."""
    from portal.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = True


@dataclass
class World:
    municipality: object
    other_municipality: object
    region: object
    school: object
    other_school: object
    foreign_school: object
    users: dict = field(default_factory=dict)  # role -> user in `municipality`
    foreign_user: object = None  # policy officer of `other_municipality`
    objects: dict = field(default_factory=dict)  # the apps' objects for URL kwargs


@pytest.fixture
def world(db):
    municipality = f.MunicipalityFactory(
        code="GM1952", name="Midden-Groningen", slug="midden-groningen"
    )
    other = f.MunicipalityFactory(code="GM1979", name="Eemsdelta", slug="eemsdelta")
    region = f.RegionFactory(name="Kenniskring Noord", slug="kenniskring-noord")
    region.municipalities.add(municipality)
    school = f.SchoolFactory(municipality=municipality, code="91KA00", name="OBS De Vlonder")
    other_school = f.SchoolFactory(municipality=municipality, code="92LB00", name="CBS Het Kompas")
    foreign_school = f.SchoolFactory(
        municipality=other, code="95PE00", name="Basisschool De Klimop"
    )
    w = World(municipality, other, region, school, other_school, foreign_school)
    for role in Role:
        user = f.UserFactory(email=f"{role.value}@a.example")
        if role == Role.SCHOOL_DIRECTOR:
            f.MembershipFactory(user=user, role=role, municipality=None, school=school)
        elif role == Role.REGIONAL_COORDINATOR:
            f.MembershipFactory(user=user, role=role, municipality=None, region=region)
        else:
            f.MembershipFactory(user=user, role=role, municipality=municipality)
        w.users[role] = user
    w.foreign_user = f.UserFactory(email="policy@b.example")
    f.MembershipFactory(user=w.foreign_user, role=Role.POLICY_OFFICER, municipality=other)
    return w


class CeleryWorker:
    """A real ``celery worker`` process on Redis, against the test database. ``kill()`` ends it
    the hard way (SIGKILL, like an OOM kill), ``start()`` brings up a fresh one."""

    def __init__(self, env, log_path):
        self.env = env
        self.log_path = log_path
        self.process = None

    def start(self, timeout=60):
        from portal.celery import app

        log = open(self.log_path, "ab")  # noqa: SIM115 (the worker process writes to it)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
                "--pool=prefork",
                "-Q",
                self.env["CELERY_QUEUE"],
                "-n",
                f"test-{uuid.uuid4().hex[:8]}@%h",
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited; see {self.log_path}")
            if app.control.ping(timeout=1.0):
                return self
        raise RuntimeError(f"celery worker did not answer within {timeout}s; see {self.log_path}")

    def kill(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture(scope="session")
def _celery_worker_session(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.db import connection

    if not os.environ.get("REDIS_URL") or connection.vendor != "postgresql":
        message = "needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL) for a real worker"
        # CI's PostgreSQL run sets this, so the worker tests cannot be skipped there unnoticed.
        if os.environ.get("PORTAL_REQUIRE_WORKER"):
            pytest.fail(message)
        pytest.skip(message)
    from portal.celery import app

    db = connection.settings_dict  # points at the test database now
    database_url = f"postgresql://{db['USER'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_QUEUE": queue,
        # A killed worker's unacknowledged job comes back after this many seconds.
        "CELERY_VISIBILITY_TIMEOUT": "15",
        # A killed worker's job (portal.jobs) counts as dead after 10 s without a heartbeat.
        "PORTAL_JOB_HEARTBEAT_SECONDS": "2",
        "PORTAL_JOB_STALE_SECONDS": "10",
        "PRIVATE_MEDIA_ROOT": str(tmp_path_factory.mktemp("worker-media")),
        "SECRET_KEY": "test-worker",
        "DEBUG": "1",
    }
    app.conf.task_default_queue = queue
    app.conf.broker_transport_options = {"visibility_timeout": 15}
    worker = CeleryWorker(env, tmp_path_factory.mktemp("celery") / "worker.log")
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def shipped_data(transactional_db):
    """Reference data that migrations ship (the funding streams). A transactional test ends by
    flushing every table, migration data included, so each transactional test puts it back."""
    from funding.models import FundingStream
    from funding.streams import load_streams

    load_streams(FundingStream)


@pytest.fixture
def celery_worker(_celery_worker_session, shipped_data, settings):
    """A real worker for this test: tasks go through Redis to another process, which sees only
    committed data (hence ``transactional_db``) and writes files to its own media root, which
    this test shares."""
    from portal.celery import app

    worker = _celery_worker_session
    if worker.process.poll() is not None:
        worker.start()
    settings.PRIVATE_MEDIA_ROOT = Path(worker.env["PRIVATE_MEDIA_ROOT"])
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": settings.PRIVATE_MEDIA_ROOT, "base_url": None},
        },
    }
    app.conf.task_always_eager = False
    yield worker
    app.conf.task_always_eager = True


def pytest_configure(config):
    """Compile the translation catalogues, as ``make`` does, so ``pytest`` run directly tests
    the current English texts too."""
    # Always, not by modification time: a checkout or merge can write the .po and a stale .mo
    # in the same second. It takes well under a second.
    for po in compile_messages.LOCALE_DIR.glob("*/LC_MESSAGES/django.po"):
        compile_messages.compile_catalogue(po)


def pytest_terminal_summary(terminalreporter):
    """Issue 13 §6: print how many hostile inputs ran and how they ended, so CI shows the counts
    (0 server errors, hangs, partial writes, truncations and silent acceptances = 0 failed)."""
    kinds, failed = {}, 0
    for outcome in ("passed", "failed", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            if not getattr(report, "nodeid", "").startswith("tests/test_hostile_"):
                continue
            if report.when != "call" and outcome == "passed":
                continue
            kind = report.nodeid.split("::", 1)[1].split("[", 1)[0]
            kinds[kind] = kinds.get(kind, 0) + 1
            failed += outcome != "passed"
    if kinds:
        terminalreporter.section("hostile inputs (issue 13)")
        for kind, count in sorted(kinds.items()):
            terminalreporter.write_line(f"{kind}: {count}")
        terminalreporter.write_line(
            f"total: {sum(kinds.values())} cases, {failed} failed (server error, hang, partial "
            "write, silent truncation or silent acceptance)"
        )
