"""Accessibility proven in a real browser (issue 12 §3-§4): every page of the URL walk
(tests/pages.py) for every role, in Dutch and in English, is checked by axe-core (installed
from npm, package.json; injected by this test only) against WCAG 2.0/2.1 A and AA with zero
violations allowed, and shown at 640 CSS px (1280 px at 200 % zoom) and 320 CSS px (WCAG 1.4.10
reflow) without the page scrolling sideways."""

import json
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from portal.models import Role

from ..pages import PUBLIC_PAGES, ROLES, enrich, html_pages
from .conftest import AXE_STATS

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""
WIDTH = "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
# The innermost elements that stick out to the right, to say what breaks the reflow.
OVERFLOW = """(width) => Array.from(document.querySelectorAll("body *"))
  .filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest(".table-wrap, .chart__svg")
          && !Array.from(e.children).some(c => c.getBoundingClientRect().right > width + 1))
  .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? "." + String(e.className).split(" ").join(".") : "")
          + " " + (e.textContent || "").trim().slice(0, 40))"""


def _axe_script():
    if not AXE.exists():
        message = "axe-core is missing: run `npm ci` (package.json) before the browser tests"
        if os.environ.get("PORTAL_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


def check_pages(browser, live_server, urls, *, cookies=(), label):
    """Visit ``urls`` in both languages; return the failures as strings and count pages."""
    script = _axe_script()
    failures, checked = [], 0
    for language in ("nl", "en"):
        # bypass_csp: the page's Content-Security-Policy forbids inline scripts, and axe is
        # injected as one; the policy itself is tested in test_portal_accounts_hardening.
        context = browser.new_context(
            base_url=live_server.url,
            locale="nl-NL",
            viewport={"width": 1280, "height": 900},
            bypass_csp=True,
        )
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
            + [dict(c, url=live_server.url) for c in cookies]
        )
        page = context.new_page()
        page.set_default_timeout(20000)
        for url in urls:
            page.set_viewport_size({"width": 1280, "height": 900})
            response = page.goto(url)
            assert response is not None and response.ok, (
                f"{label} {language} {url}: {response and response.status}"
            )
            page.add_script_tag(content=script)
            for v in page.evaluate(AXE_RUN, WCAG_TAGS):
                failures.append(
                    f"{label} {language} {url}: axe {v['id']} ({v['impact']}) {json.dumps(v['nodes'])}"
                )
            for width in (640, 320):
                page.set_viewport_size({"width": width, "height": 800})
                scroll = page.evaluate(WIDTH)
                if scroll > width:
                    culprits = page.evaluate(OVERFLOW, width)
                    failures.append(
                        f"{label} {language} {url}: {scroll} px wide at {width} px: {culprits}"
                    )
            checked += 1
        context.close()
    AXE_STATS.append((label, checked, sum(1 for f in failures if ": axe " in f)))
    return failures


def test_the_walk_reaches_the_pages_that_matter(world, shipped_data):
    pages = html_pages(world, Role.POLICY_OFFICER)
    assert len(pages) >= 30
    assert (
        "/midden-groningen/audit/" in pages and "/midden-groningen/financien/bevindingen/" in pages
    )


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_every_page_of_the_role_passes_axe_and_reflows(
    browser, live_server, world, shipped_data, role
):
    enrich(world)
    urls = html_pages(world, role)
    client = Client()
    client.force_login(world.users[role])
    cookies = [
        {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        }
    ]
    failures = check_pages(browser, live_server, urls, cookies=cookies, label=role.value)
    assert failures == [], "\n".join(failures)


def test_public_pages_pass_axe_and_reflow(browser, live_server, db):
    failures = check_pages(browser, live_server, PUBLIC_PAGES, label="anoniem")
    assert failures == [], "\n".join(failures)
