"""Joins the CBS/job-outbox branch with the import-job move, and gives the portal's import job
the notices a schools import job already had (issue 11: rows skipped, mergers mapped)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0005_import_job_checks_large_uploads"),
        ("portal", "0006_merge_i11_i13j"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="notices",
            field=models.JSONField(blank=True, default=list, verbose_name="meldingen"),
        ),
    ]
