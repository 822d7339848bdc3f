"""Browser tests: a real Chromium (Debian's, driven by Playwright) against Django's live server.

Skipped where no Chromium is installed; CI installs it and sets PORTAL_REQUIRE_BROWSER so the
journeys cannot be skipped there unnoticed."""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the tests
# themselves (set-up, assertions) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# (who, pages checked in both languages, axe violations) of test_e2e_every_page, printed at the
# end of the run so CI's log shows the figures.
AXE_STATS = []


def pytest_terminal_summary(terminalreporter):
    if AXE_STATS:
        pages = sum(n for _who, n, _v in AXE_STATS)
        violations = sum(v for _who, _n, v in AXE_STATS)
        terminalreporter.write_sep("=", "axe-core (WCAG 2.0/2.1 A+AA), nl and en")
        for who, n, v in AXE_STATS:
            terminalreporter.write_line(f"{who}: {n} page views, {v} violations")
        terminalreporter.write_line(f"total: {pages} page views, {violations} violations")


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM:
        if os.environ.get("PORTAL_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required for the browser tests (apt-get install chromium)")
        pytest.skip("no Chromium installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, shipped_data):
    context = browser.new_context(base_url=live_server.url, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def log_in(page, email, password="Test-wachtwoord-1"):
    page.goto("/accounts/login/")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.locator("main").get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state()
