"""/health/ and production settings (the foundation issue's 'done when')."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_health_is_200_when_everything_is_up(client):
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["cache"] == "ok"


@pytest.mark.django_db
def test_health_is_503_and_names_redis_when_it_is_down(client, settings):
    # Point cache and broker at a port where nothing listens: what a stopped Redis looks like.
    # (Overriding CACHES makes Django rebuild its cache handler.)
    from portal.celery import app

    dead = "redis://127.0.0.1:1/0"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": dead}
    }
    settings.CELERY_TASK_ALWAYS_EAGER = False
    old_broker = app.conf.broker_url
    app.conf.broker_url = dead
    try:
        response = client.get("/health/")
    finally:
        app.conf.broker_url = old_broker
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["cache"].startswith("error")
    assert body["broker"].startswith("error")


def _production_env(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DEBUG", "PORTAL_", "REDIS_URL", "DJANGO_"))
    }
    env.update(
        SECRET_KEY="x" * 20 + "-production-like-secret-key-with-enough-entropy-0123456789",
        ALLOWED_HOSTS="portal.example.nl",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        DJANGO_SETTINGS_MODULE="portal.settings",
    )
    return env


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = _production_env(tmp_path)
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_are_secure(tmp_path):
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.PORTAL_REQUIRE_2FA, s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND]))"
    )
    env = _production_env(tmp_path)
    env["REDIS_URL"] = "redis://redis:6379/0"
    env["EMAIL_HOST"] = "smtp.example.nl"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        False,
        True,
        True,
        True,
        True,
        False,
        "django.core.mail.backends.smtp.EmailBackend",
    ]


def _settings_in_subprocess(env, names):
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps([getattr(s, n) for n in {names!r}]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_hsts_preload_is_off_unless_the_operator_switches_it_on(tmp_path):
    env = _production_env(tmp_path)
    assert _settings_in_subprocess(env, ["SECURE_HSTS_PRELOAD", "SECURE_HSTS_SECONDS"]) == [
        False,
        60 * 60 * 24 * 365,
    ]
    env["SECURE_HSTS_PRELOAD"] = "1"
    assert _settings_in_subprocess(env, ["SECURE_HSTS_PRELOAD"]) == [True]


def test_importing_pytest_does_not_switch_on_the_test_defaults(tmp_path):
    # Only DJANGO_TESTING does: a production process that happens to import pytest keeps
    # refusing to start without a secret key.
    env = _production_env(tmp_path)
    del env["SECRET_KEY"]
    code = "import pytest, django; django.setup()"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    assert _settings_in_subprocess({**env, "DJANGO_TESTING": "1"}, ["TESTING"]) == [True]
