"""First of three steps moving a school director's school from portal to the schools app
(issue 9 §3): the membership constraints that name the school column go (the next two
migrations fill in the directors' municipality and drop the columns). Separate migrations,
because PostgreSQL does not alter a table with pending deferred-constraint checks in the same
transaction as the data change."""

from django.db import migrations


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
    ]
