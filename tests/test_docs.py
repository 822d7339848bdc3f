"""The user documentation (docs/) and the code agree (issue 11 §4): every import format's
documented columns are exactly the importer's columns, with the same required flags and
accepted headers; every example file the docs and the import pages link exists and imports
cleanly; the documented commands exist."""

import importlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands
from django.urls import reverse
from django.utils import translation

from funding.services import checks
from portal.domain import Theme
from portal.imports import import_format, registry
from portal.models import Role

DOCS = Path(settings.BASE_DIR) / "docs"
STATIC = Path(settings.BASE_DIR) / "static"
DEMO_DATA = Path(settings.BASE_DIR) / "portal" / "demo_data"
_MARKER = re.compile(r"<!-- importer: ([\w.]+) -->")


def _cells(line: str) -> list[str]:
    """The cells of a Markdown table row; ``\\|`` is a pipe inside a cell."""
    parts = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [p.strip().replace("\\|", "|") for p in parts]


def _documented_formats():
    """``{importer path: [(column, required, aliases)]}`` from docs/importformaten.md."""
    text = (DOCS / "importformaten.md").read_text(encoding="utf-8")
    formats = {}
    for match in _MARKER.finditer(text):
        rest = text[match.end() :].splitlines()
        table = []
        started = False
        for line in rest:
            if line.startswith("|"):
                started = True
                table.append(line)
            elif started:
                break
        header, _separator, *rows = table
        assert _cells(header)[:3] == ["kolom", "verplicht", "ook geaccepteerd"]
        formats[match[1]] = [
            (cells[0], {"ja": True, "nee": False}[cells[1]], cells[2])
            for cells in map(_cells, rows)
        ]
    return formats


def _importer(path):
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def test_every_import_is_documented():
    assert set(_documented_formats()) == {
        "schools.imports.duo.SchoolImporter",
        "schools.imports.weights.SchoolWeightImporter",
        "schools.imports.needs.NeedImporter",
        "funding.services.grants.GrantImporter",
        "funding.services.activities.ActivityImporter",
        "funding.services.expenditure_import.ExpenditureImporter",
    }


@pytest.mark.parametrize("path", sorted(_documented_formats()))
def test_documented_columns_equal_the_importers_columns(path):
    assert _documented_formats()[path] == import_format(_importer(path), "x").rows


def test_example_files_exist_and_equal_the_sample_files_the_tests_use():
    linked = set(re.findall(r"\(\.\./static/(voorbeelden/[\w.]+)\)", _all_docs()))
    assert linked, "the docs link no example files"
    for path in linked:
        assert (STATIC / path).read_bytes() == (DEMO_DATA / Path(path).name).read_bytes(), path
    IMPORT_KINDS = ("schools", "weights", "needs", "grants", "activities", "expenditures")
    # Every registered import kind shows its example file on its page (portal.imports.registry).
    shown = {registry.get(kind).format.example for kind in IMPORT_KINDS}
    assert shown <= linked


def _all_docs():
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md")))


def test_documented_commands_exist_and_relative_links_resolve():
    text = _all_docs()
    commands = set(re.findall(r"python manage\.py ([a-z_]+)(?![<\w])", text))
    assert {"import_schools", "update_cbs_gemeenten", "check_overlaps"} <= commands
    assert commands <= set(get_commands()), commands - set(get_commands())
    for target in re.findall(r"\]\(([^)#:]+)\)", text):
        assert (DOCS / target).exists(), target


def test_documented_checks_are_the_rules_the_code_runs():
    documented = set(re.findall(r"^\| (F\d|P1|G1) ", (DOCS / "controles.md").read_text(), re.M))
    assert documented == set(checks.SEVERITY) | {"P1"}


def test_documented_themes_are_the_portals_themes_with_the_labels_the_needs_import_accepts():
    """The needs import accepts a theme's code or its Dutch label: the docs list both."""
    text = (DOCS / "importformaten.md").read_text(encoding="utf-8").split("<!-- themes -->", 1)[1]
    rows = [_cells(line) for line in text.strip().splitlines()[2:] if line.startswith("|")]
    rows = rows[: next((i for i, r in enumerate(rows) if len(r) != 2), len(rows))]
    with translation.override("nl"):
        assert rows == [[str(label), f"`{code}`"] for code, label in Theme.choices]


def test_documented_roles_are_the_portals_roles():
    header = (DOCS / "rollen.md").read_text(encoding="utf-8").split("\n| |", 1)[1].splitlines()[0]
    assert [c.strip() for c in header.strip("|").split("|")] == [str(r.label) for r in Role]


@pytest.mark.django_db
def test_import_pages_show_their_columns_and_link_their_example(client, world):
    client.force_login(world.users[Role.POLICY_OFFICER])
    page = client.get(
        reverse("schools:weight_import", kwargs={"municipality": world.municipality.slug})
    ).content.decode()
    assert "<code>vestigingscode</code>" in page
    assert "/static/voorbeelden/schoolweging.csv" in page
    page = client.get(
        reverse("funding:expenditures_import", kwargs={"municipality": world.municipality.slug})
    ).content.decode()
    assert "<code>invoice_number</code>" in page
    assert "/static/voorbeelden/expenditures.csv" in page
