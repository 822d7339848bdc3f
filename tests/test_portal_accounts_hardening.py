"""Accounts under attack and under faults (issue 13, section 4): rate limits behind a proxy,
TOTP drift and used codes, Redis down at login, an invitation accepted four times at once,
404 before 403, and the security headers."""

import threading
import time
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.db import connection
from django.test import Client
from django.urls import reverse

from portal import services
from portal.cache import FallbackRedisCache
from portal.exceptions import ApplicationError
from portal.models import Invitation, Membership, Role, User

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Test-wachtwoord-1"
PROXY = "10.0.0.2"  # the TLS proxy of docker-compose: every request arrives from here
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens: what a stopped Redis looks like


def _login(client, email, password, client_ip):
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=client_ip,
    )


def _logged_in(client):
    return "_auth_user_id" in client.session


def _hammer(client_ip, attempts=11):
    """One client behind the proxy guesses passwords of ``attempts`` different addresses (the
    per-address limit never trips: only the per-client limit can stop it)."""
    hammer = Client()
    for n in range(attempts):
        _login(hammer, f"raden{n}@a.example", "fout", client_ip)


@pytest.mark.django_db
def test_two_clients_behind_one_proxy_are_limited_apart(world, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    _hammer("203.0.113.7")
    # The guesser is now refused even with a right password ...
    guesser = Client()
    _login(guesser, world.users[Role.LEA_CHAIR].email, PASSWORD, "203.0.113.7")
    assert not _logged_in(guesser)
    # ... while a colleague behind the same proxy logs in.
    colleague = Client()
    response = _login(colleague, world.users[Role.POLICY_OFFICER].email, PASSWORD, "198.51.100.4")
    assert response.status_code == 302 and _logged_in(colleague)


@pytest.mark.django_db
def test_without_the_proxy_setting_one_guesser_locks_out_everyone_behind_the_proxy(world):
    # What the setting fixes (the default, 0, is right only without a proxy in front).
    _hammer("203.0.113.7")
    colleague = Client()
    _login(colleague, world.users[Role.POLICY_OFFICER].email, PASSWORD, "198.51.100.4")
    assert not _logged_in(colleague)


def test_compose_file_sets_the_trusted_proxy_count():
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "ALLAUTH_TRUSTED_PROXY_COUNT: 1" in compose


def _code(secret, step_offset=0):
    counter = int(time.time()) // 30 + step_offset
    return format_hotp_value(hotp_value(secret, counter))


@pytest.mark.django_db
def test_totp_accepts_one_step_of_clock_drift_but_not_two(world):
    from allauth.mfa.totp.internal.auth import generate_totp_secret, validate_totp_code

    secret = generate_totp_secret()
    assert validate_totp_code(secret, _code(secret, -1))
    assert validate_totp_code(secret, _code(secret, +1))
    assert not validate_totp_code(secret, _code(secret, -3))


@pytest.mark.django_db
def test_the_code_that_activates_totp_cannot_open_a_login(client, world):
    user = world.users[Role.POLICY_OFFICER]
    client.force_login(user)
    response = client.get(reverse("mfa_activate_totp"))
    if response.status_code == 302:  # allauth asks for the password first
        client.post(response["Location"], {"password": PASSWORD})
        response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    secret = client.session["mfa.totp.secret"]
    code = _code(secret)
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302, response.content.decode()[:2000]
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    # The login's second step checks the code with this same call: refused, already used.
    assert TOTP(authenticator).validate_code(code) is False


@pytest.mark.django_db
def test_login_with_redis_down_is_a_page_and_still_rate_limited(world, settings):
    settings.CACHES = {
        "default": {"BACKEND": "portal.cache.FallbackRedisCache", "LOCATION": DEAD_REDIS}
    }
    user = world.users[Role.POLICY_OFFICER]
    client = Client()
    for _attempt in range(6):
        response = client.post(reverse("account_login"), {"login": user.email, "password": "fout"})
        assert response.status_code in (200, 429)  # the login page with an error, never a 500
    # The limit lives in the database meanwhile: the right password is refused for now.
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert not _logged_in(client)
    # Another account logs in normally.
    other = Client()
    response = other.post(
        reverse("account_login"), {"login": world.users[Role.LEA_CHAIR].email, "password": PASSWORD}
    )
    assert response.status_code == 302 and _logged_in(other)


@pytest.mark.django_db
def test_fallback_cache_answers_from_the_database_and_tries_redis_again(monkeypatch):
    from portal import cache as cache_module

    cache = FallbackRedisCache(DEAD_REDIS, {"OPTIONS": {"socket_connect_timeout": 1}})
    cache.set("k", "v", 30)
    assert cache.get("k") == "v" and not cache.redis_available
    assert cache.add("k", "w", 30) is False  # add is atomic on the database as well
    assert cache.incr("k2", 1) if cache.add("k2", 1, 30) else False
    # After RETRY_SECONDS it asks Redis again (still down here: still answers).
    monkeypatch.setattr(cache_module, "RETRY_SECONDS", 0.0)
    cache._redis_down_until = 0.0
    assert cache.get("k") == "v"


def _invitation(world, email="nieuw@a.example"):
    return Invitation.objects.create(
        email=email,
        role=Role.LEA_CHAIR,
        municipality=world.municipality,
        invited_by=world.users[Role.POLICY_OFFICER],
    )


@pytest.mark.django_db
def test_a_second_accept_of_one_invitation_is_refused_not_an_error(world):
    invitation = _invitation(world)
    stale = Invitation.objects.get(pk=invitation.pk)  # what a second tab still holds
    services.invitation_accept(invitation=invitation, password=PASSWORD)
    with pytest.raises(ApplicationError, match="al gebruikt"):
        services.invitation_accept(invitation=stale, password=PASSWORD)
    assert User.objects.filter(email="nieuw@a.example").count() == 1


@pytest.mark.django_db
def test_second_post_of_the_accept_page_is_a_clear_page(world, client):
    invitation = _invitation(world)
    url = reverse(
        "portal:invitation_accept", kwargs={"token": services.invitation_token(invitation)}
    )
    data = {"password1": "Een-lang-wachtwoord-7", "password2": "Een-lang-wachtwoord-7"}
    first = client.post(url, data)
    assert first.status_code == 302
    second = Client().post(url, data)
    assert second.status_code in (409, 410)
    assert "al gebruikt" in second.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_simultaneous_accepts_one_succeeds_three_get_a_page(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (DATABASE_URL)")
    invitation = _invitation(world)
    url = reverse(
        "portal:invitation_accept", kwargs={"token": services.invitation_token(invitation)}
    )
    data = {"password1": "Een-lang-wachtwoord-7", "password2": "Een-lang-wachtwoord-7"}
    statuses = []
    barrier = threading.Barrier(4)

    def accept():
        barrier.wait()
        try:
            statuses.append(Client(raise_request_exception=False).post(url, data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses)[0] == 302 and statuses.count(302) == 1, statuses
    assert all(status in (302, 409, 410) for status in statuses), statuses
    assert Membership.objects.filter(user__email="nieuw@a.example").count() == 1


@pytest.mark.django_db
def test_editing_a_school_outside_ones_sight_is_404_not_403(client, world):
    director = world.users[Role.SCHOOL_DIRECTOR]
    client.force_login(director)
    url = "/midden-groningen/scholen/{}/bewerken/"
    assert client.get(url.format(world.school.pk)).status_code == 403  # own school: not allowed
    assert client.get(url.format(world.foreign_school.pk)).status_code == 404
    assert client.get(url.format(999_999)).status_code == 404


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_and_a_permissions_policy(client, world):
    client.force_login(world.users[Role.POLICY_OFFICER])
    response = client.get("/midden-groningen/")
    csp = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "camera=()" in response["Permissions-Policy"]
    assert "<script>" not in response.content.decode()  # no inline script the policy would block


# HSTS preload on request only: tests/test_portal_health_and_settings.py.
