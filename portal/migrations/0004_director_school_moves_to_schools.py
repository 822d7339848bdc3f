"""A school director's membership names the school's municipality (the tenant, as for every
municipal role); the school itself is now recorded by schools.Directorship (copied by schools
0005_directorships), so the portal columns go (issue 9 §3)."""

from django.db import migrations, models
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
        ("portal", "0003_invitation_sent_at"),
        ("schools", "0005_directorships"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="membership",
            name="membership_scope_matches_role",
        ),
        migrations.RemoveConstraint(
            model_name="membership",
            name="uniq_membership_municipality",
        ),
        migrations.RemoveConstraint(
            model_name="membership",
            name="uniq_membership_school",
        ),
        migrations.RunPython(set_director_municipality, restore_director_school),
        migrations.RemoveField(
            model_name="invitation",
            name="school",
        ),
        migrations.RemoveField(
            model_name="membership",
            name="school",
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("municipality__isnull", True),
                        ("region__isnull", False),
                        ("role", "regional_coordinator"),
                    ),
                    models.Q(
                        ("municipality__isnull", False),
                        ("region__isnull", True),
                        (
                            "role__in",
                            ["school_director", "policy_officer", "lea_chair", "accountant"],
                        ),
                    ),
                    _connector="OR",
                ),
                name="membership_scope_matches_role",
            ),
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.UniqueConstraint(
                condition=models.Q(("role", "school_director"), _negated=True),
                fields=("user", "role", "municipality"),
                name="uniq_membership_municipality",
            ),
        ),
    ]
