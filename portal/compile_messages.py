"""Compile the translations: every ``locale/<lang>/LC_MESSAGES/django.po`` to its ``.mo``.

The build does this (``make install``/``test``/``run``, the Dockerfile) with polib, so the
quick start needs no GNU gettext (``msgfmt``) and the binary ``.mo`` need not be kept in git::

    python -m portal.compile_messages            # every catalogue under locale/
    python -m portal.compile_messages PO [PO...] # only these

Fuzzy and untranslated entries are left out of the ``.mo``, as ``msgfmt`` does, so Django falls
back to the Dutch source text for them. Raises ``OSError`` for an unreadable file and ``IOError``
(polib) for a malformed one: a broken catalogue fails the build instead of shipping half."""

import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def compile_catalogue(po_path: Path) -> Path:
    """Write ``<po_path>.mo`` beside ``po_path``; returns the ``.mo`` path."""
    po_path = Path(po_path)
    mo_path = po_path.with_suffix(".mo")
    polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
    return mo_path


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po"))
    if not paths:
        print(f"no .po files under {LOCALE_DIR}", file=sys.stderr)
        return 1
    for path in paths:
        print(f"compiled {compile_catalogue(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
