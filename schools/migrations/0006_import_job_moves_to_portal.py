"""The import job moved to portal (one job for every import, issue 9 §4): copy the rows, then
drop the old table. Historical models only (no live modules)."""

from django.db import migrations

FIELDS = (
    "id",
    "municipality_id",
    "kind",
    "status",
    "path",
    "filename",
    "options",
    "created_by_id",
    "created_at",
    "finished_at",
    "summary",
    "errors",
    "notices",
)


def copy_jobs(apps, schema_editor):
    old = apps.get_model("schools", "ImportJob")
    new = apps.get_model("portal", "ImportJob")
    new._base_manager.bulk_create(
        [new(**row) for row in old._base_manager.values(*FIELDS)], batch_size=1000
    )


class Migration(migrations.Migration):
    dependencies = [
        ("schools", "0005_import_job_notices"),
        ("portal", "0007_import_job_notices"),
    ]

    operations = [
        migrations.RunPython(copy_jobs, migrations.RunPython.noop),
        migrations.DeleteModel(name="ImportJob"),
    ]
