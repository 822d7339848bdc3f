"""Panels that apps contribute to pages they do not own.

An app registers a provider in its ``AppConfig.ready()`` for a slot:

- ``"dashboard"``: a municipality's or region's home page; ``provider(request)``;
- ``"school"``: the page of one school; ``provider(request, school, scans)``, ``scans`` being
  the school's scans the page loaded for the user (needs prefetched) or None when the user
  does not see scans, so a provider need not read them again;
- ``"scan"``: the page of one school scan; ``provider(request, scan)``.

A provider returns panels for the user's roles. The pages stay ignorant of funding and
meetings (dependencies flow one way, issue 9 §3), and each app keeps its queries in its own
selectors.
"""

from dataclasses import dataclass, field

_providers: dict[str, list] = {}


@dataclass
class Panel:
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100
    # Panels with `wide` span the full width of the dashboard grid.
    wide: bool = False


def register(provider, slot: str = "dashboard"):
    """Register ``provider(request, *args) -> list[Panel]`` for ``slot``."""
    providers = _providers.setdefault(slot, [])
    if provider not in providers:
        providers.append(provider)
    return provider


def request_memo(request, key: tuple, compute):
    """``compute()``, once per request and ``key``: values several panels of one page need (the
    school year of the scan round, read by the schools and the funding panel) are read once.

    The memo lives on the request object only, so it never outlives the request nor crosses
    to another user or tenant; ``key`` names the value and its arguments (e.g.
    ``("scan_round", municipality.pk)``), so two different questions never share an answer.
    Returns whatever ``compute`` returns (an exception propagates and nothing is kept)."""
    memo = request.__dict__.setdefault("_portal_memo", {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def panels_for(request, *args, slot: str = "dashboard") -> list[Panel]:
    panels = []
    for provider in _providers.get(slot, []):
        panels.extend(provider(request, *args) or [])
    return sorted(panels, key=lambda p: p.order)
