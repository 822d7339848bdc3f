from django.db import migrations


def load(apps, schema_editor):
    from funding.streams import load_streams

    load_streams(apps.get_model("funding", "FundingStream"))


class Migration(migrations.Migration):
    dependencies = [("funding", "0002_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
