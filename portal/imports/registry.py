"""The kinds of browser import, registered by the apps that own them (``AppConfig.ready``), so
that one view, one job model and one task in ``portal`` serve every import without ``portal``
importing the apps (dependencies flow one way: portal <- schools <- funding)."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ImportKind:
    """``run(*, actor, municipality, source, filename, dry_run, progress, **options)`` returns
    an ImportResult; ``progress(rows)`` may be called while the file is read."""

    kind: str
    label: str
    run: Callable


_KINDS: dict[str, ImportKind] = {}


def register(kind: str, label, run: Callable) -> None:
    """Register (or re-register, for tests and reloads) the import ``kind``."""
    _KINDS[kind] = ImportKind(kind, label, run)


def get(kind: str) -> ImportKind:
    """The registered kind; raises KeyError for an unknown one."""
    return _KINDS[kind]


def kind_label(kind: str) -> str:
    """The Dutch label of ``kind`` (the kind itself when it is not registered)."""
    found = _KINDS.get(kind)
    return str(found.label) if found else kind
