"""Scan.interventions moves to funding as Activity.scans (issue 9 §3: schools does not depend on
funding). State only: the join table stays and funding 0009_activity_scans_from_schools takes it
over (and renames it), so no row is lost."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("schools", "0005_directorships"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField(model_name="scan", name="interventions")],
            database_operations=[],
        ),
    ]
