"""Helpers shared by the meetings services."""

from django.utils.translation import gettext as _

from portal.exceptions import ApplicationError


def tenant_fields(municipality, region) -> dict:
    """``{"municipality", "region"}`` for a record of exactly one of the two; raises
    ApplicationError otherwise."""
    if bool(municipality) == bool(region):
        raise ApplicationError(_("Een overleg hoort bij een gemeente of bij een regio."))
    return {"municipality": municipality, "region": region}


def set_fields(obj, data: dict) -> None:
    """Set the attributes named in ``data`` on ``obj`` (not saved)."""
    for name, value in data.items():
        setattr(obj, name, value)
