"""The kinds of browser import, registered by the apps that own them (``AppConfig.ready``), so
that one view, one job model and one task in ``portal`` serve every import without ``portal``
importing the apps (dependencies flow one way: portal <- schools <- funding)."""

from collections.abc import Callable
from dataclasses import dataclass

from .framework import import_format


@dataclass(frozen=True)
class ImportKind:
    """``run(*, actor, municipality, source, filename, dry_run, progress, **options)`` returns
    an ImportResult; ``progress(rows)`` may be called while the file is read."""

    kind: str
    label: str
    run: Callable
    #: The Importer class (its columns are the documented format) and the name of its example
    #: file under static/voorbeelden/: shown on the import page (issue 11 §4).
    importer: type | None = None
    example: str = ""

    @property
    def format(self):
        """The ImportFormat the page shows, or None when the kind registered no importer."""
        return import_format(self.importer, self.example) if self.importer else None


_KINDS: dict[str, ImportKind] = {}


def register(kind: str, label, run: Callable, *, importer=None, example: str = "") -> None:
    """Register (or re-register, for tests and reloads) the import ``kind``; ``importer`` and
    ``example`` document its columns and example file on the import page."""
    _KINDS[kind] = ImportKind(kind, label, run, importer, example)


def get(kind: str) -> ImportKind:
    """The registered kind; raises KeyError for an unknown one."""
    return _KINDS[kind]


def kind_label(kind: str) -> str:
    """The Dutch label of ``kind`` (the kind itself when it is not registered)."""
    found = _KINDS.get(kind)
    return str(found.label) if found else kind
