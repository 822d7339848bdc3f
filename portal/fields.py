"""Model choice fields that check a posted id before it reaches the database.

Django's ModelChoiceField and ModelMultipleChoiceField hand a posted value straight to a query.
A number beyond the database's integer range (``99999999999999999999``) then fails inside the
driver: ``OverflowError`` on SQLite, ``DataError`` on PostgreSQL, so a typo or a probe becomes
a server error. These fields answer such a value with the field's own validation error
(``invalid_pk_value`` for something that is not a whole number, ``invalid_choice`` for a
number outside 1..2**63-1), without a query. Keys that are not integers (``to_field_name``
pointing at a text column) are left to Django as before."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]+")


def _as_id(value):
    """The value as an int, or None if it is not written as a whole number (ASCII digits,
    surrounding spaces allowed, as Django's own conversion allows them)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("-"):
            text = text[1:]
            return -int(text) if _DIGITS.fullmatch(text) else None
        return int(text) if _DIGITS.fullmatch(text) else None
    return None


class _IdCheck:
    def _integer_key(self):
        """Whether the field looks choices up by an integer column (the usual pk)."""
        if self.queryset is None:
            return False
        opts = self.queryset.model._meta
        field = opts.get_field(self.to_field_name) if self.to_field_name else opts.pk
        while field.is_relation:  # a pk that is a one-to-one link to another model
            field = field.target_field
        return isinstance(field, (models.IntegerField, models.AutoField))

    def _id_error(self, value):
        """The code of the error to raise for ``value``, or None if it may be looked up."""
        if isinstance(value, models.Model):
            return None
        number = _as_id(value)
        if number is None:
            return "invalid_pk_value"
        if not 1 <= number <= MAX_ID:
            return "invalid_choice"
        return None


class IdModelChoiceField(_IdCheck, forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and self._integer_key() and self._id_error(value):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)


class IdModelMultipleChoiceField(_IdCheck, forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        if self._integer_key():
            try:
                values = frozenset(value)
            except TypeError:
                values = None  # not a list of values: Django's own check answers
            for pk in values or ():
                code = self._id_error(pk)
                if code == "invalid_pk_value":
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
                if code == "invalid_choice":
                    raise ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": pk},
                    )
        return super()._check_values(value)
