"""The schools app's side of ``portal.directors``: which school a director's membership and
invitation are for (:class:`~schools.models.Directorship`,
:class:`~schools.models.DirectorInvitation`). Registered in ``SchoolsConfig.ready()``."""

from django.db.models import Case, CharField, F, Value, When
from django.db.models.functions import Concat

from portal.models import Membership, Role

from .models import DirectorInvitation, Directorship, School


class DirectorSchools:
    def annotate(self, queryset):
        """Memberships or invitations (both have the ``directorship`` relation) with
        ``school_id`` and ``school_name`` ("name (code)", as ``str(school)``) joined in: one
        query, as before the move."""
        return queryset.annotate(
            school_id=F("directorship__school_id"),
            school_name=Case(
                When(
                    directorship__isnull=False,
                    then=Concat(
                        "directorship__school__name",
                        Value(" ("),
                        "directorship__school__code",
                        Value(")"),
                    ),
                ),
                default=None,
                output_field=CharField(),
            ),
        )

    def choices(self):
        """All schools; the request's tenant scope limits them to its municipality."""
        return School.objects.all()

    def invite(self, *, invitation, school) -> None:
        DirectorInvitation.objects.create(invitation=invitation, school=school)

    def membership(self, *, user, invitation) -> Membership:
        """The user's director membership for the invitation's school; one per user and
        school, so accepting a second invitation for the same school changes nothing."""
        school = DirectorInvitation.objects.get(invitation=invitation).school
        return director_membership(user=user, school=school)


def director_membership(*, user, school: School) -> Membership:
    """``user``'s school-director membership for ``school`` (in the school's municipality),
    created with its :class:`Directorship` when missing: one per user and school."""
    membership = Membership.objects.filter(
        user=user, role=Role.SCHOOL_DIRECTOR, directorship__school=school
    ).first()
    if membership is None:
        membership = Membership.objects.create(
            user=user, role=Role.SCHOOL_DIRECTOR, municipality_id=school.municipality_id
        )
        Directorship.objects.create(membership=membership, school=school)
    return membership
