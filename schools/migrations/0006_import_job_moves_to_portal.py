"""The import job moved to portal (one job for every import, issue 9 §4): copy the rows, then
drop the old table. Historical models only (no live modules)."""

from django.core.management.color import no_style
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
    rows = list(old._base_manager.values(*FIELDS))
    new._base_manager.bulk_create([new(**row) for row in rows], batch_size=1000)
    # created_at is auto_now_add, which bulk_create fills in anew: put the original times back.
    for row in rows:
        new._base_manager.filter(pk=row["id"]).update(created_at=row["created_at"])
    # The rows keep their ids: move PostgreSQL's id sequence past them, or the next job
    # created would collide with a copied one.
    connection = schema_editor.connection
    for sql in connection.ops.sequence_reset_sql(no_style(), [new]):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("schools", "0005_import_job_notices"),
        ("portal", "0007_import_job_notices"),
    ]

    operations = [
        migrations.RunPython(copy_jobs, migrations.RunPython.noop),
        migrations.DeleteModel(name="ImportJob"),
    ]
