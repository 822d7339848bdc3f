"""Recompute the comparison keys of stored expenditures with the folding of issue 13 §2 (NFKC,
invisible characters dropped, Cyrillic/Greek homoglyphs mapped to Latin), so the F1 duplicate
check compares old and new lines alike. The function is frozen here (no live modules)."""

import re
import unicodedata

from django.db import migrations

_KEY_STRIP = re.compile(r"[\s./\-]+")
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_CONFUSABLES = str.maketrans(
    "АВЕЅІЈКМНОРСТУХԚԜҮΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "ABESIJKMHOPCTYXQWYABEZHIKMNOPTYX",
)


def _key(value):
    folded = unicodedata.normalize("NFKC", _INVISIBLE.sub("", value or ""))
    return _KEY_STRIP.sub("", folded.strip().upper().translate(_CONFUSABLES))


def fold(apps, schema_editor):
    Expenditure = apps.get_model("funding", "Expenditure")
    changed = []
    rows = Expenditure._base_manager.only(
        "id", "supplier", "invoice_number", "supplier_key", "invoice_key"
    ).iterator(2000)
    for expenditure in rows:
        supplier_key = _key(expenditure.supplier)[:200]
        invoice_key = _key(expenditure.invoice_number)[:100]
        if (supplier_key, invoice_key) != (expenditure.supplier_key, expenditure.invoice_key):
            expenditure.supplier_key, expenditure.invoice_key = supplier_key, invoice_key
            changed.append(expenditure)
        if len(changed) >= 2000:
            Expenditure._base_manager.bulk_update(changed, ["supplier_key", "invoice_key"])
            changed = []
    Expenditure._base_manager.bulk_update(changed, ["supplier_key", "invoice_key"])


class Migration(migrations.Migration):
    dependencies = [("funding", "0008_check_runs_after_changes")]

    operations = [migrations.RunPython(fold, migrations.RunPython.noop)]
