"""Load the shipped CBS municipality list and herindelingen (portal/reference_data/)."""

from django.db import migrations

from portal.cbs import load_reference_data


def forwards(apps, schema_editor):
    cbs_municipality = apps.get_model("portal", "CbsMunicipality")
    load_reference_data(cbs_municipality, apps.get_model("portal", "CbsReorganisation"))
    # Municipalities created from a DUO file's GEMEENTENAAM ("Capelle Aan Den Ijssel") get
    # their CBS name: names come from the CBS list, never from a file (issue 11).
    names = dict(cbs_municipality.objects.values_list("code", "name"))
    for municipality in apps.get_model("portal", "Municipality").objects.filter(code__in=names):
        if municipality.name != names[municipality.code]:
            municipality.name = names[municipality.code]
            municipality.save(update_fields=["name"])


class Migration(migrations.Migration):
    dependencies = [("portal", "0004_cbs_reference_data")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
