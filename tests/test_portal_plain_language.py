"""Plain language on every page (issue 12 §1): every page of the URL walk, for every role, in
both languages, read as a person reads it (tests/pages.py ``visible_text``), holds no internal
keys: no subject keys (``booking:…``), no snake_case codes, no severity codes, no English words
on Dutch pages and no informal "je/jij" (the portal says "u")."""

import re

import pytest

from .pages import ROLES, enrich, html_pages, visible_text

# Machine keys that belong in JSON/CSV interchange files (interchange.md), never on a page.
INTERNAL = [
    (re.compile(r"\b(?:booking|need|grant|activity|expenditure|school|meeting):\S"), "subject key"),
    (re.compile(r"\b[a-z]+(?:_[a-z]+)+\b"), "snake_case code"),
    (
        re.compile(
            r"\b[a-z]+\.(?:create|update|delete|change|submit|remove|import|accept|review|sign|run|reopen|finalise|return|invite)\w*\b"
        ),
        "audit action key",
    ),
]
# On a Dutch page: English words seen in the interface before (issue 12) and severity codes.
ENGLISH = re.compile(
    r"\b(?:Date|Amount|Supplier|Booking|Description|queued|running|finished|failed|"
    r"True|False|None|none|limited|moderate|severe|Python|Name|File|Save|Delete|Cancel)\b"
)
INFORMAL = re.compile(r"\b(?:je|jij|jou|jouw|jullie)\b", re.IGNORECASE)
# On an English page: Dutch words seen there before.
DUTCH = re.compile(r"\b(?:aflopend|oplopend|Opslaan|Annuleren|Bewerken|Verwijderen|Datum|Bedrag)\b")
EMAIL = re.compile(r"\S+@\S+")


def problems(text: str, language: str) -> list[str]:
    """The internal words of a page's visible text, as ``"kind: match"`` strings."""
    text = EMAIL.sub(" ", text)
    found = [f"{kind}: {m.group(0)}" for pattern, kind in INTERNAL for m in pattern.finditer(text)]
    if language == "nl":
        found += [f"English word: {m.group(0)}" for m in ENGLISH.finditer(text)]
        found += [f"informal: {m.group(0)}" for m in INFORMAL.finditer(text)]
    else:
        found += [f"Dutch word: {m.group(0)}" for m in DUTCH.finditer(text)]
    return found


def test_the_checker_catches_what_was_seen():
    seen = "Boeking booking:2023-000140\nBehoefte zorg (moderate)\ninvitation.create\nrol: – → school_director\nDate"
    assert len(problems(seen, "nl")) == 5
    assert problems("Je kunt nu inloggen", "nl") == ["informal: Je"]
    assert problems("Boeking 2023-000140, ernstig; Uitnodiging verstuurd aan a@b.nl", "nl") == []
    assert problems("Date (aflopend)", "en") == ["Dutch word: aflopend"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_every_page_speaks_the_interface_language(client, world, role):
    from django.test import Client

    enrich(world)
    pages = html_pages(world, role)
    assert len(pages) >= 5, pages
    failures = []
    for language in ("nl", "en"):
        reader = Client()
        reader.force_login(world.users[role])
        reader.cookies["django_language"] = language
        for url in pages:
            html = reader.get(url).content.decode()
            for problem in problems(visible_text(html, language), language):
                failures.append(f"{language} {url}: {problem}")
    assert failures == [], "\n".join(sorted(set(failures)))


@pytest.mark.django_db
def test_audit_trail_reads_as_sentences_with_labels(client, world):
    from portal.models import Role

    enrich(world)
    client.force_login(world.users[Role.POLICY_OFFICER])
    text = " ".join(
        visible_text(client.get("/midden-groningen/audit/").content.decode(), "nl").split()
    )
    assert "Uitnodiging verstuurd aan" in text
    assert "Rol : – → schooldirecteur" in text
    assert "Taal en lezen : – → ernstig" in text
    assert "het portaal" in text


@pytest.mark.django_db
def test_finding_subjects_are_labels(client, world):
    from portal.models import Role

    enrich(world)
    client.force_login(world.users[Role.POLICY_OFFICER])
    text = visible_text(
        client.get("/midden-groningen/financien/bevindingen/").content.decode(), "nl"
    )
    assert "Behoefte jeugdhulp en zorg in de school van 92LB00 in 2023-2024" in text
    assert "Beschikking ZOMERSCHOOL-2024" in text and "Activiteit LEES-01 (GM1952)" in text


def _xlsx_text(content: bytes) -> str:
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(content))
    return "\n".join(
        str(cell)
        for sheet in book
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )


def _pdf_text(content: bytes) -> str:
    import subprocess

    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


@pytest.mark.django_db
def test_spreadsheet_exports_and_pdfs_speak_the_interface_language(client, world):
    """The exports people open (XLSX) and the PDFs hold labels, not keys: the keys stay in the
    JSON/CSV interchange outputs of the check_overlaps command (interchange.md)."""
    from portal.models import Role

    from .test_portal_permissions import URL_KWARGS

    enrich(world)
    client.force_login(world.users[Role.POLICY_OFFICER])
    failures = []
    for path in (
        "/midden-groningen/financien/bevindingen/?export=xlsx",
        "/midden-groningen/financien/bestedingen/?export=xlsx",
        "/midden-groningen/overleg/actiepunten/export/?format=xlsx",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        text = _xlsx_text(response.content)
        failures += [f"{path}: {p}" for p in problems(text, "nl")]
    findings = _xlsx_text(
        client.get("/midden-groningen/financien/bevindingen/?export=xlsx").content
    )
    assert "Beschikking ZOMERSCHOOL-2024" in findings and "grant:" not in findings
    meeting_id = URL_KWARGS["meeting_id"](world)
    for kind in ("agenda", "verslag"):
        response = client.get(
            f"/midden-groningen/overleg/vergaderingen/{meeting_id}/{kind}.pdf?concept=1"
        )
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf", kind
        failures += [f"{kind} pdf: {p}" for p in problems(_pdf_text(response.content), "nl")]
    assert failures == [], "\n".join(failures)
