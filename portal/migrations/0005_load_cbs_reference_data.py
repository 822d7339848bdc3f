"""Load the shipped CBS municipality list and herindelingen (portal/reference_data/)."""

from django.db import migrations

from portal.cbs import load_reference_data


def forwards(apps, schema_editor):
    load_reference_data(
        apps.get_model("portal", "CbsMunicipality"), apps.get_model("portal", "CbsReorganisation")
    )


class Migration(migrations.Migration):
    dependencies = [("portal", "0004_cbs_reference_data")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
