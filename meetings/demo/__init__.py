"""The meetings of the demo story (product.md, "Demo data"): Midden-Groningen's LEA series with
the Onderwijskansenakkoord as standing item (signed 19 June 2023), the G4 consultation of
5 February 2021 with its agreed actions, the kenniskring Noord meeting of 14 September 2021 on
NPO/SPUK questions, and the regional werksessie of 24 September 2018 with its eight actions,
followed up in the next werksessie. Organisations and roles only; addresses are .example.

Idempotent: every row is found by a natural key (tenant + title + start, meeting + title, ...)
and updated, so running the seed again changes nothing."""

from ..models import ActionItem, ActionReview, Meeting
from . import municipal, regional
from .build import cast_from


def seed(ctx):
    """Midden-Groningen's LEA from the draft akkoord to the next meeting, then the region's
    meetings (G4 consultation, kenniskring, werksessie). Each step is one meeting or series."""
    cast = cast_from(ctx)
    lea = municipal.lea_series(cast)
    inventory = municipal.lea_spring_2023(cast, lea)
    municipal.lea_signing_2023(cast, lea, inventory)
    municipal.lea_next_meeting(cast, lea)
    regional.g4_consultation_2021(cast)
    regional.kenniskring_2021(cast)
    regional.werksessie_2018(cast)
    ctx.log(
        f"Overleg: {Meeting.objects.count()} overleggen, {ActionItem.objects.count()} actiepunten, "
        f"{ActionReview.objects.count()} besprekingen."
    )
