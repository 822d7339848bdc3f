"""Migrations keep doing what they did when they were written: a data migration does not
import the project's live modules (their data and code change later), it freezes what it needs.
Module-level ``import <app>.models`` stays allowed: that is how Django's generated migrations
name a field's ``upload_to`` callable."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT_PACKAGES = {"portal", "schools", "funding", "meetings"}
MIGRATIONS = sorted(ROOT.glob("*/migrations/0*.py"))


def _project_imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] if node.level == 0 else ["<relative>"]
        else:
            continue
        found += [n for n in names if n == "<relative>" or n.split(".")[0] in PROJECT_PACKAGES]
    generated = {f"{package}.models" for package in PROJECT_PACKAGES}
    top_level = {
        alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names
    }
    return [n for n in found if not (n in generated and n in top_level)]


def test_there_are_migrations_to_check():
    assert len(MIGRATIONS) >= 10


@pytest.mark.parametrize("path", MIGRATIONS, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_migration_imports_no_live_project_module(path):
    assert _project_imports(path) == []
