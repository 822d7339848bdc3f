"""Dashboard panels: each app contributes the panels of the home pages it knows about.

An app registers a provider in its ``AppConfig.ready()``; a provider takes the request (with
``request.access``) and returns panels for the user's roles. The home views stay ignorant of
funding, scans and meetings, and each app keeps its dashboard queries in its own selectors.
"""

from dataclasses import dataclass, field

_providers = []


@dataclass
class Panel:
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100
    # Panels with `wide` span the full width of the dashboard grid.
    wide: bool = False


def register(provider):
    """Register ``provider(request) -> list[Panel]``; usable as a decorator."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def panels_for(request) -> list[Panel]:
    panels = []
    for provider in _providers:
        panels.extend(provider(request) or [])
    return sorted(panels, key=lambda p: p.order)
