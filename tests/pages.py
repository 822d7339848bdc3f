"""The pages a person can reach: the URL walk of tests/test_portal_permissions.py (every tenant
URL pattern, filled from ``URL_KWARGS``) plus the tenant-free pages, per role of ``world``.

Used by the plain-language test (every page's text in both languages) and the browser tests
(axe-core and reflow at 320 CSS px over the same pages)."""

from html.parser import HTMLParser

from django.test import Client
from django_scopes import scopes_disabled

from portal.models import Role

from .test_portal_permissions import _expected, _url, _view_permission, tenant_patterns

# Tenant-free pages: everyone's, and those of a signed-in user (allauth's account pages).
PUBLIC_PAGES = [
    "/accounts/login/",
    "/accounts/password/reset/",
    "/toegankelijkheid/",
    "/privacy/",
    "/contact/",
]
ACCOUNT_PAGES = ["/accounts/password/change/", "/accounts/email/", "/accounts/2fa/"]


def tenant_urls(world) -> list[tuple[str, object, str]]:
    """``[(url name, permission, url)]`` of every tenant URL pattern, with world's objects."""
    urls = []
    with scopes_disabled():
        for param in tenant_patterns():
            name, pattern, route = param.values
            urls.append((name, _view_permission(pattern), _url(world, name, route), route))
    return urls


def html_pages(world, role) -> list[str]:
    """The URLs ``role``'s user of ``world`` gets as an HTML page (GET 200 text/html), in walk
    order: the tenant pages its permissions allow, then the account and public pages."""
    client = Client()
    client.force_login(world.users[role])
    pages = []
    for name, permission, url, route in tenant_urls(world):
        if _expected(name, role, permission, "<slug:region>" in route) != "ok":
            continue
        response = client.get(url)
        # pages, not the fragments a page polls (they have no <html> of their own)
        if (
            response.status_code == 200
            and response["Content-Type"].startswith("text/html")
            and b"<html" in response.content[:500]
        ):
            pages.append(url)
    for url in ACCOUNT_PAGES + PUBLIC_PAGES[2:]:
        response = client.get(url)
        if response.status_code == 200:
            pages.append(url)
    return pages


ROLES = list(Role)


class VisibleText(HTMLParser):
    """The text a person reads on a page: text nodes, option labels and the values of
    ``title``, ``alt``, ``aria-label`` and ``placeholder`` attributes; not scripts, styles,
    elements marked with another language (``lang="en"`` on a Dutch page) or ``<code>``: the
    column names and values an import file must use (interchange.md) are shown as code."""

    SKIP = {"script", "style", "template", "code"}
    VOID = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }

    def __init__(self, page_language):
        super().__init__()
        self.page_language = page_language
        self.stack = []  # (tag, skipped)
        self.parts = []

    def _skipped(self):
        return any(skipped for _tag, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = attrs.get("lang")
        skipped = tag in self.SKIP or (lang is not None and not lang.startswith(self.page_language))
        if not (skipped or self._skipped()):
            for key in ("title", "alt", "aria-label", "placeholder"):
                if attrs.get(key):
                    self.parts.append(attrs[key])
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.parts.append(attrs["value"])
        if tag not in self.VOID:
            self.stack.append((tag, skipped))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if not self._skipped() and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str, language: str) -> str:
    parser = VisibleText(language)
    parser.feed(html)
    return "\n".join(parser.parts)


def enrich(world):
    """What the walk's pages showed in internal words before (issue 12 §1): findings whose
    subjects are machine keys, a G1 finding about a need, and audit events with action keys and
    role, theme and severity codes in their changes."""
    from funding.models import Finding
    from portal.audit import audit_log
    from portal.models import Invitation

    with scopes_disabled():
        m = world.municipality
        Finding.objects.create(
            municipality=m,
            rule="G1",
            severity="warning",
            key="plain-g1",
            fingerprint="plain-g1",
            subjects=[
                "need:92LB00/2023-2024/zorg",
                "grant:ZOMERSCHOOL-2024",
                "activity:GM1952/LEES-01",
            ],
            message="Behoefte jeugdhulp en zorg in de school (matig) van 92LB00 in 2023-2024.",
        )
        officer = world.users[Role.POLICY_OFFICER]
        invitation = Invitation.objects.create(
            municipality=m,
            email="nieuw@school.example",
            role=Role.SCHOOL_DIRECTOR,
            invited_by=officer,
        )
        audit_log(
            actor=officer,
            action="invitation.create",
            obj=invitation,
            municipality=m,
            changes={"role": [None, "school_director"]},
        )
        audit_log(
            actor=officer,
            action="school.update",
            obj=world.school,
            municipality=m,
            changes={"taal": [None, "severe"], "name": ["OBS Vlonder", "OBS De Vlonder"]},
        )
        audit_log(actor=None, action="checks.run", obj=world.school, municipality=m)
