"""Third step (see 0004): the school columns of Membership and Invitation go (the schools app
records a director's school now) and the membership constraints come back without them: a
director has a municipality like every municipal role, and one membership per school."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0005_director_membership_names_municipality"),
    ]

    operations = [
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
