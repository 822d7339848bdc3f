"""Helpers shared by the meetings services."""

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from portal.exceptions import ApplicationError


def tenant_fields(municipality, region) -> dict:
    """``{"municipality", "region"}`` for a record of exactly one of the two; raises
    ApplicationError otherwise."""
    if bool(municipality) == bool(region):
        raise ApplicationError(_("Een overleg hoort bij een gemeente of bij een regio."))
    return {"municipality": municipality, "region": region}


def check_fields(model, fields: dict) -> None:
    """Raise TypeError for a name in ``fields`` that is not a plain field of ``model`` (a typo,
    or a relation that the service sets through its own argument)."""
    for name in fields:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        if field is None or not field.concrete or field.many_to_many:
            raise TypeError(f"{model.__name__} has no field {name!r} to set")


def set_fields(obj, fields: dict) -> None:
    """Set ``fields`` (model field name -> value) on ``obj``, not saved (checked by
    :func:`check_fields`)."""
    check_fields(type(obj), fields)
    for name, value in fields.items():
        setattr(obj, name, value)
