"""Typed field sets for the write services: what a form hands a service, as a frozen dataclass
with Decimal money and real dates instead of a ``data`` dict (issue 9 §5). Used by funding's
grant, expenditure and activity services and by the scan needs of schools."""

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar


@dataclass(frozen=True, kw_only=True)
class RecordFields:
    """Base of the typed field sets write services take (issue 9 §5): the whole record as a
    person enters it on a form, not a patch, so create and update share one definition of its
    shape.

    Subclasses list their money and share fields in ``decimals`` (``Decimal``, never float) and
    their dates in ``dates`` (``datetime.date``, not a datetime). A value of the wrong type raises
    TypeError when the object is built: a programming error, caught at the call instead of as a
    rounded amount or a shifted day in the database. ``None`` passes where the field's default
    is ``None`` (an optional value)."""

    decimals: ClassVar[tuple[str, ...]] = ()
    dates: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self):
        optional = {f.name for f in dataclasses.fields(self) if f.default is None}
        for names, kind, wrong in ((self.decimals, Decimal, ()), (self.dates, date, (datetime,))):
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
