"""Second step (see 0004): a school director's membership names the municipality of its
school (the tenant, as for every municipal role); schools 0005_directorships has copied the
school itself into schools.Directorship."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def set_director_municipality(apps, schema_editor):
    Membership = apps.get_model("portal", "Membership")
    School = apps.get_model("schools", "School")
    Membership.objects.filter(school__isnull=False).update(
        municipality_id=Subquery(
            School.objects.filter(pk=OuterRef("school_id")).values("municipality_id")[:1]
        )
    )


def restore_director_school(apps, schema_editor):
    """Backwards: the school columns again, from the schools app's rows."""
    Membership = apps.get_model("portal", "Membership")
    Invitation = apps.get_model("portal", "Invitation")
    Directorship = apps.get_model("schools", "Directorship")
    DirectorInvitation = apps.get_model("schools", "DirectorInvitation")
    for row in Directorship.objects.all():
        Membership.objects.filter(pk=row.membership_id).update(
            school_id=row.school_id, municipality_id=None
        )
    for row in DirectorInvitation.objects.all():
        Invitation.objects.filter(pk=row.invitation_id).update(school_id=row.school_id)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0004_membership_constraints_before_director_move"),
    ]

    operations = [
        migrations.RunPython(set_director_municipality, restore_director_school),
    ]
