"""The national-scale data set of product.md "Scale" (``seed_demo --scale national``): the
money in :mod:`.money`, the people and their audit trail in :mod:`.people` (the funding part of
``portal.scale``). The names other modules use are here."""

from .money import (
    ACTIVITIES,
    EMAIL_DOMAIN,
    LINES,
    MUNICIPALITIES,
    PART_ORDER,
    REGION_PREFIX,
    SCHOOLS,
    clear,
    expenditure_rows,
    scale_codes,
    seed_national,
)
from .people import clear_part, scale_emails, seed_part

__all__ = [
    "ACTIVITIES",
    "LINES",
    "MUNICIPALITIES",
    "SCHOOLS",
    "EMAIL_DOMAIN",
    "PART_ORDER",
    "REGION_PREFIX",
    "clear",
    "clear_part",
    "expenditure_rows",
    "scale_codes",
    "scale_emails",
    "seed_national",
    "seed_part",
]
