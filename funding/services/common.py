"""Helpers shared by the write services: optimistic locking and the typed field sets."""

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from django.db.models import F
from django.utils.translation import gettext as _

from portal.exceptions import ApplicationError

STALE_MESSAGE = _(
    "Iemand anders heeft dit record gewijzigd nadat u het opende. Uw wijziging is niet opgeslagen: "
    "open het opnieuw om de actuele gegevens te zien."
)


def save_versioned(instance, *, version, fields):
    """Write ``fields`` of ``instance`` only if the stored version is still ``version``; the
    second of two concurrent edits is refused instead of silently overwriting the first."""
    model = type(instance)
    values = {name: getattr(instance, model._meta.get_field(name).attname) for name in fields}
    updated = model._base_manager.filter(pk=instance.pk, version=version).update(
        version=F("version") + 1, **values
    )
    if not updated:
        raise ApplicationError(str(STALE_MESSAGE))
    instance.version = version + 1
    return instance


@dataclass(frozen=True, kw_only=True)
class RecordFields:
    """Base of the typed field sets the create and update services take (issue 9 §5): the
    whole record as a person enters it on the form, not a patch, so create and update share
    one definition of its shape.

    Subclasses list their money fields in ``money`` (euro, ``Decimal``, never float) and their
    dates in ``dates`` (``datetime.date``, not a datetime). A value of the wrong type raises
    TypeError when the object is built: a programming error, caught at the call instead of as a
    rounded amount or a shifted day in the database. ``None`` passes where the field's default
    is ``None`` (an optional value)."""

    money: ClassVar[tuple[str, ...]] = ()
    dates: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self):
        optional = {f.name for f in dataclasses.fields(self) if f.default is None}
        for names, kind, wrong in ((self.money, Decimal, ()), (self.dates, date, (datetime,))):
            for name in names:
                value = getattr(self, name)
                if value is None and name in optional:
                    continue
                if not isinstance(value, kind) or isinstance(value, wrong):
                    raise TypeError(
                        f"{type(self).__name__}.{name} must be {kind.__name__}, "
                        f"not {type(value).__name__}"
                    )

    @classmethod
    def names(cls) -> list[str]:
        """The model field names this field set writes, in declaration order."""
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def of(cls, instance):
        """The stored values of ``instance`` (to change a few with ``dataclasses.replace``)."""
        return cls(**{name: getattr(instance, name) for name in cls.names()})

    def values(self) -> dict:
        """``{field name: value}``; not ``dataclasses.asdict``, which would deep-copy the model
        instances among the values."""
        return {name: getattr(self, name) for name in self.names()}
