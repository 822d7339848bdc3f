"""A school director's school moves from portal.Membership/Invitation to the schools app
(issue 9 §3: portal does not depend on schools). Data preserved: copied here, the portal columns
dropped by portal 0004-0006."""

import django.db.models.deletion
from django.db import migrations, models


def copy_director_schools(apps, schema_editor):
    """Each director membership's and director invitation's school, from the portal columns
    that portal 0006_director_school_moves_to_schools drops."""
    Membership = apps.get_model("portal", "Membership")
    Invitation = apps.get_model("portal", "Invitation")
    Directorship = apps.get_model("schools", "Directorship")
    DirectorInvitation = apps.get_model("schools", "DirectorInvitation")
    Directorship.objects.bulk_create(
        Directorship(membership_id=pk, school_id=school_id)
        for pk, school_id in Membership.objects.filter(school__isnull=False).values_list(
            "pk", "school_id"
        )
    )
    DirectorInvitation.objects.bulk_create(
        DirectorInvitation(invitation_id=pk, school_id=school_id)
        for pk, school_id in Invitation.objects.filter(school__isnull=False).values_list(
            "pk", "school_id"
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0003_invitation_sent_at"),
        ("schools", "0004_import_jobs"),
    ]

    operations = [
        migrations.CreateModel(
            name="DirectorInvitation",
            fields=[
                (
                    "invitation",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="directorship",
                        serialize=False,
                        to="portal.invitation",
                    ),
                ),
                (
                    "school",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="schools.school",
                    ),
                ),
            ],
            options={
                "verbose_name": "uitnodiging voor een schooldirectie",
                "verbose_name_plural": "uitnodigingen voor een schooldirectie",
            },
        ),
        migrations.CreateModel(
            name="Directorship",
            fields=[
                (
                    "membership",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="directorship",
                        serialize=False,
                        to="portal.membership",
                    ),
                ),
                (
                    "school",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="directorships",
                        to="schools.school",
                    ),
                ),
            ],
            options={
                "verbose_name": "schooldirectie",
                "verbose_name_plural": "schooldirecties",
            },
        ),
        # Backwards, portal 0005 has already copied the schools back.
        migrations.RunPython(copy_director_schools, migrations.RunPython.noop),
    ]
