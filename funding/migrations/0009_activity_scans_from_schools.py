"""A scan's chosen interventions, owned by funding now (Activity.scans; before: schools'
Scan.interventions, issue 9 §3). The field takes over the existing join table (same columns
activity_id and scan_id), then renames it to the name Django gives the new field: rows kept."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0008_check_runs_after_changes"),
        ("schools", "0006_scan_interventions_move_to_funding"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="activity",
                    name="scans",
                    field=models.ManyToManyField(
                        blank=True,
                        db_table="schools_scan_interventions",
                        related_name="interventions",
                        to="schools.scan",
                        verbose_name="gekozen in schoolscans",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterField(
            model_name="activity",
            name="scans",
            field=models.ManyToManyField(
                blank=True,
                related_name="interventions",
                to="schools.scan",
                verbose_name="gekozen in schoolscans",
            ),
        ),
    ]
