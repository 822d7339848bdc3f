"""Journeys through the real login: each role lands on its home; an officer sets up TOTP first."""

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)

from portal.models import Role

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_lea_chair_logs_in_and_lands_on_municipality_home(page, world):
    log_in(page, world.users[Role.LEA_CHAIR].email)
    assert page.url.endswith("/midden-groningen/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Midden-Groningen")
    # keyboard users can skip the navigation
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"


def test_policy_officer_must_set_up_totp_before_seeing_data(page, world, settings):
    settings.PORTAL_REQUIRE_2FA = True
    officer = world.users[Role.POLICY_OFFICER]
    log_in(page, officer.email)
    # allauth confirms the password once more before two-factor settings change
    assert "/accounts/reauthenticate/" in page.url
    page.get_by_label("Wachtwoord").fill("Test-wachtwoord-1")
    page.locator("main").get_by_role("button").first.click()
    page.wait_for_url("**/2fa/totp/activate/")

    page.goto("/midden-groningen/")
    assert page.url.endswith("/accounts/2fa/totp/activate/"), "data shown before TOTP was set up"

    secret = page.locator("#authenticator_secret").input_value()
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    page.locator("input[name=code]").fill(code)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()

    page.goto("/midden-groningen/")
    assert page.url.endswith("/midden-groningen/")
    assert "beleidsmedewerker" in page.locator("main").inner_text()

    # next login asks for the authenticator code before anything else
    page.get_by_role("button", name="Uitloggen").click()
    log_in(page, officer.email)
    assert "/accounts/2fa/authenticate/" in page.url
