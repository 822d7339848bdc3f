"""Indexes in the action list's default order within a tenant (issue 14).

portal.pagination pages the list by keyset on (due date, no date first; id). With an index in
that order a page reads its 51 rows in order instead of sorting every action of the tenant.
PostgreSQL needs ``NULLS FIRST`` in the index for that; SQLite puts NULL first in ascending
order already and refuses ``NULLS FIRST`` in an index, so it gets the plain columns. Written
as SQL per database for that reason (Django's ``Index`` would emit ``NULLS FIRST`` on both).
"""

from django.db import migrations

INDEXES = [
    ("action_municipality_due_idx", "municipality_id"),
    ("action_region_due_idx", "region_id"),
]


def create(apps, schema_editor):
    nulls_first = " NULLS FIRST" if schema_editor.connection.vendor == "postgresql" else ""
    for name, tenant in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX "{name}" ON "meetings_actionitem" '
            f'("{tenant}", "due_date" ASC{nulls_first}, "id")'
        )


def drop(apps, schema_editor):
    for name, _tenant in INDEXES:
        schema_editor.execute(f'DROP INDEX "{name}"')


class Migration(migrations.Migration):
    dependencies = [("meetings", "0002_meeting_sent_documents")]

    operations = [migrations.RunPython(create, drop)]
