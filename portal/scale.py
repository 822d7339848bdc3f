"""The national-scale data set (product.md "Scale", issue 14 §6) is made by parts, one per app,
that each app registers in its ``AppConfig.ready()``; ``seed_demo --scale national`` runs them.

Dependencies flow one way (portal <- schools <- funding <- meetings), so the command in portal
cannot import the apps: it runs what they registered. A part has an ``order`` (municipalities,
schools and money before meetings, which refer to them), a ``seed(ctx)`` and a ``clear(ctx)``;
the clears run first, in reverse order, so a re-run replaces the previous scale set (never the
demo story). Each part draws its random numbers from its own generator seeded from
``ctx.seed`` and its name, so the same seed gives the same data, part by part.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class ScaleContext:
    """What the parts share. ``fraction``: 1 for national size, N for 1/N of every count.
    ``shared``: what earlier parts leave for later ones (documented by the part that writes
    it, e.g. ``municipalities``, ``shares``, ``largest``, ``users``); ``counts``: rows made
    per kind, for the command's summary and the tests."""

    seed: int = 1
    fraction: int = 1
    log: Callable[[str], None] = print
    shared: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)

    def scaled(self, national: int, minimum: int = 1) -> int:
        """``national`` divided by the fraction, at least ``minimum``."""
        return max(minimum, national // self.fraction)

    def rng(self, part: str) -> random.Random:
        """The random generator of ``part``: depends on the seed and the part only."""
        return random.Random(f"{self.seed}:{part}")


@dataclass(frozen=True)
class Part:
    name: str
    order: int
    seed: Callable[[ScaleContext], None]
    clear: Callable[[ScaleContext], None]


_parts: dict[str, Part] = {}


def register(name: str, *, order: int, seed, clear) -> None:
    """Register (or replace) the part ``name``; ``seed(ctx)`` and ``clear(ctx)`` run with
    tenant scopes disabled inside one transaction."""
    _parts[name] = Part(name, order, seed, clear)


def parts() -> list[Part]:
    return sorted(_parts.values(), key=lambda p: p.order)


def generate(*, seed: int = 1, fraction: int = 1, log=print) -> ScaleContext:
    """Clear the previous scale set and make a new one with every registered part. Returns the
    context (``counts`` per kind). Raises ValueError for a fraction below 1. The caller holds
    the transaction and disables the tenant scopes."""
    if fraction < 1:
        raise ValueError("fraction must be 1 or more")
    ctx = ScaleContext(seed=seed, fraction=fraction, log=log)
    ordered = parts()
    for part in reversed(ordered):
        part.clear(ctx)
    for part in ordered:
        part.seed(ctx)
    return ctx
