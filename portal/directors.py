"""The school a school director works for, asked of the app that owns schools.

Dependencies flow one way (issue 9 §3: portal <- schools), so portal has no relation to a
school. A director's membership and invitation name the municipality (the tenant, as for every
municipal role); which school in it is recorded by the schools app, which registers a
:class:`DirectorSchools` implementation in its ``AppConfig.ready()``. Without one (portal on its
own) a director reaches no school: fail closed.
"""

from typing import Protocol

from django.db.models import CharField, IntegerField, Value


class DirectorSchools(Protocol):
    def annotate(self, queryset):
        """``queryset`` of ``Membership`` or ``Invitation`` rows with ``school_id`` (int or
        None) and ``school_name`` ("name (code)" or None) annotated; no extra query."""

    def choices(self):
        """The schools a director can be invited to: a queryset the tenant scope limits to the
        current municipality."""

    def invite(self, *, invitation, school) -> None:
        """Record that ``invitation`` (role school director) is for ``school``."""

    def membership(self, *, user, invitation):
        """The director membership ``invitation`` grants ``user``: created with the
        invitation's school, or the existing one for that school (idempotent)."""


class _NoSchools:
    def annotate(self, queryset):
        return queryset.annotate(
            school_id=Value(None, output_field=IntegerField()),
            school_name=Value(None, output_field=CharField()),
        )

    def choices(self):
        raise LookupError("No app registered the schools of school directors.")

    def invite(self, *, invitation, school):
        self.choices()

    def membership(self, *, user, invitation):
        self.choices()


_registered: list[DirectorSchools] = [_NoSchools()]


def register(implementation: DirectorSchools) -> DirectorSchools:
    """Called once by the schools app's ``AppConfig.ready()``."""
    _registered[0] = implementation
    return implementation


def director_schools() -> DirectorSchools:
    return _registered[0]
