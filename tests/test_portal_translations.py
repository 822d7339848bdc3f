"""The English interface: one catalogue (locale/en/LC_MESSAGES/django.po), complete and compiled.

The .mo is committed (a fresh machine has no gettext tools), so these tests check that it says
the same as the .po, and that with the language cookie set to English the pages are English.
"""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

from portal.models import Role

LOCALE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"

_FIELD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$')
_PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_]+\))?[sd]|%%")


def _entries():
    """The .po's entries as dicts: ``flags`` (a set) plus msgid, msgid_plural, msgstr, msgstr[n]."""
    entries = []
    for block in PO.read_text(encoding="utf-8").strip().split("\n\n"):
        entry, current = {"flags": set()}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif match := _FIELD.match(line):
                current = match.group(1)
                entry[current] = ast.literal_eval(match.group(2))
            else:
                assert line.startswith('"'), f"unexpected line in {PO.name}: {line!r}"
                entry[current] += ast.literal_eval(line)
        entries.append(entry)
    header, *messages = entries
    assert header["msgid"] == ""
    return header, messages


def _translations(entry):
    return [value for key, value in entry.items() if key.startswith("msgstr")]


def test_every_message_is_translated_and_none_is_fuzzy():
    header, messages = _entries()
    assert "Language: en" in header["msgstr"]
    assert "fuzzy" not in header["flags"]
    assert len(messages) > 1000  # all four apps and templates/, not a partial catalogue
    untranslated = [e["msgid"] for e in messages if not all(s.strip() for s in _translations(e))]
    assert untranslated == []
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    assert fuzzy == []
    plurals = [e for e in messages if "msgid_plural" in e]
    assert plurals and all({"msgstr[0]", "msgstr[1]"} <= e.keys() for e in plurals)


def test_placeholders_survive_translation():
    _, messages = _entries()
    broken = []
    for e in messages:
        sources = [e["msgid"], e.get("msgid_plural", e["msgid"])]
        for source, translation in zip(
            sources if "msgid_plural" in e else sources[:1], _translations(e), strict=False
        ):
            if "python-format" not in e["flags"]:
                continue
            if sorted(_PLACEHOLDER.findall(source)) != sorted(_PLACEHOLDER.findall(translation)):
                broken.append((source, translation))
    assert broken == []


def test_the_committed_mo_matches_the_po():
    _, messages = _entries()
    with MO.open("rb") as f:
        catalogue = gettext.GNUTranslations(f)
    assert catalogue.info().get("language") == "en"
    stale = []
    for e in messages:
        if "msgid_plural" in e:
            got = [catalogue.ngettext(e["msgid"], e["msgid_plural"], n) for n in (1, 2)]
            want = [e["msgstr[0]"], e["msgstr[1]"]]
        else:
            got, want = catalogue.gettext(e["msgid"]), e["msgstr"]
        if got != want:
            stale.append(e["msgid"])
    assert stale == [], "django.mo is out of date: run manage.py compilemessages and commit the .mo"
    # No message in the .mo that the .po no longer has.
    assert len(catalogue._catalog) - 1 == sum(2 if "msgid_plural" in e else 1 for e in messages)


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
