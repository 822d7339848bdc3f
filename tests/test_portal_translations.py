"""The English interface: one catalogue (locale/en/LC_MESSAGES/django.po), complete and compiled.

The build compiles the .mo from the .po (``make``: portal/compile_messages.py; the test session
does the same when the .mo is missing or older, tests/conftest.py). These tests read the .po
with polib, check that the .mo says the same, and that with the language cookie set to English
the pages are English.
"""

import gettext
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

from portal.models import Role

LOCALE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"

_PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_]+\))?[sd]|%%")


def _catalogue():
    return polib.pofile(str(PO))


def _messages():
    """The .po's live entries (obsolete ``#~`` ones are not part of the catalogue)."""
    return [e for e in _catalogue() if not e.obsolete]


def _translations(entry):
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def test_every_message_is_translated_and_none_is_fuzzy():
    catalogue = _catalogue()
    messages = _messages()
    assert catalogue.metadata.get("Language") == "en"
    assert not catalogue.metadata_is_fuzzy
    assert len(messages) > 1000  # all four apps and templates/, not a partial catalogue
    untranslated = [e.msgid for e in messages if not all(s.strip() for s in _translations(e))]
    assert untranslated == []
    fuzzy = [e.msgid for e in messages if e.fuzzy]
    assert fuzzy == []
    plurals = [e for e in messages if e.msgid_plural]
    assert plurals and all({0, 1} <= set(e.msgstr_plural) for e in plurals)


def test_placeholders_survive_translation():
    broken = []
    for e in _messages():
        if "python-format" not in e.flags:
            continue
        sources = [e.msgid, e.msgid_plural] if e.msgid_plural else [e.msgid]
        for source, translation in zip(sources, _translations(e), strict=False):
            if sorted(_PLACEHOLDER.findall(source)) != sorted(_PLACEHOLDER.findall(translation)):
                broken.append((source, translation))
    assert broken == []


def test_the_compiled_mo_matches_the_po():
    messages = _messages()
    with MO.open("rb") as f:
        catalogue = gettext.GNUTranslations(f)
    assert catalogue.info().get("language") == "en"
    stale = []
    for e in messages:
        if e.msgid_plural:
            args = (e.msgid, e.msgid_plural)
            got = [
                catalogue.npgettext(e.msgctxt, *args, n)
                if e.msgctxt
                else catalogue.ngettext(*args, n)
                for n in (1, 2)
            ]
            want = [e.msgstr_plural[0], e.msgstr_plural[1]]
        else:
            got = (
                catalogue.pgettext(e.msgctxt, e.msgid) if e.msgctxt else catalogue.gettext(e.msgid)
            )
            want = e.msgstr
        if got != want:
            stale.append(e.msgid)
    assert stale == [], "django.mo is out of date: run `make messages`"
    # No message in the .mo that the .po no longer has.
    assert len(catalogue._catalog) - 1 == sum(2 if e.msgid_plural else 1 for e in messages)


def _nav(html):
    match = re.search(r'<nav class="main-nav".*?</nav>', html, flags=re.S)
    assert match, "the main navigation is missing"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


DUTCH_NAV = [
    "Overzicht",
    "Scholen",
    "Schoolscans",
    "Beschikkingen",
    "Activiteiten",
    "Bestedingen",
    "Bevindingen",
    "Overleggen",
    "Actiepunten",
    "Rapportages",
    "Leden",
    "Audittrail",
]
ENGLISH_NAV = [
    "Overview",
    "Schools",
    "School scans",
    "Grants",
    "Activities",
    "Expenditure",
    "Findings",
    "Meetings",
    "Action items",
    "Reports",
    "Members",
    "Audit trail",
]


def test_login_page_in_english(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html
    assert "Accounts are created by invitation from your municipality." in html
    assert "Skip to content" in html
    for dutch in ("Inloggen", "Direct naar de inhoud", "Accounts worden aangemaakt"):
        assert dutch not in html


@pytest.mark.django_db
def test_dashboard_in_english(client, world):
    client.force_login(world.users[Role.POLICY_OFFICER])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/midden-groningen/")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    html = response.content.decode()
    nav = _nav(html)
    for label in ENGLISH_NAV:
        assert f" {label} " in nav
    for label in DUTCH_NAV:
        assert f" {label} " not in nav
    assert "Log out" in html and "Uitloggen" not in html
    assert "You are working here as policy officer." in html
    assert "Budget per stream" in html and "Budget per stroom" not in html


@pytest.mark.django_db
def test_dashboard_stays_dutch_without_the_cookie(client, world):
    client.force_login(world.users[Role.POLICY_OFFICER])
    html = client.get("/midden-groningen/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    nav = _nav(html)
    assert " Overzicht " in nav and " Beschikkingen " in nav and " Grants " not in nav
    assert "Uitloggen" in html
