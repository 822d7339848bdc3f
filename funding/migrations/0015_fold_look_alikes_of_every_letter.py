"""Recompute the comparison keys of stored expenditures with the folding that covers the
Cyrillic and Greek look-alikes of every Latin letter in both cases and folds case (issue 13 §2),
so the F1 duplicate check compares old and new lines alike. The function is frozen here (no
live modules)."""

import re
import unicodedata

from django.db import migrations

_KEY_STRIP = re.compile(r"[\s./\-]+")
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_LOOKALIKES = {
    # lower case: a b c d e f g h i j k l m n o p q r s t u v w x y
    "а": "a", "α": "a", "ь": "b", "с": "c", "ϲ": "c", "ԁ": "d", "е": "e", "ҽ": "e",
    "ϝ": "f", "ԍ": "g", "һ": "h", "і": "i", "ι": "i", "ј": "j", "ϳ": "j", "к": "k",
    "κ": "k", "ӏ": "l", "м": "m", "η": "n", "о": "o", "ο": "o", "σ": "o", "р": "p",
    "ρ": "p", "ԛ": "q", "г": "r", "ѕ": "s", "т": "t", "τ": "t", "υ": "u", "ν": "v",
    "ѵ": "v", "ԝ": "w", "ѡ": "w", "ω": "w", "х": "x", "χ": "x", "у": "y", "γ": "y",
    "ү": "y",
    # upper case: A B C E F G H I J K M N O P Q S T V W X Y Z
    "А": "A", "Α": "A", "В": "B", "Β": "B", "Ь": "b", "С": "C", "Ϲ": "C", "Е": "E",
    "Ε": "E", "Ϝ": "F", "Ԍ": "G", "Н": "H", "Η": "H", "Һ": "H", "І": "I", "Ι": "I",
    "Ӏ": "I", "Ј": "J", "Ϳ": "J", "К": "K", "Κ": "K", "М": "M", "Μ": "M", "Ν": "N",
    "О": "O", "Ο": "O", "Р": "P", "Ρ": "P", "Ԛ": "Q", "Ѕ": "S", "Т": "T", "Τ": "T",
    "Ѵ": "V", "Ԝ": "W", "Х": "X", "Χ": "X", "У": "Y", "Υ": "Y", "Ү": "Y", "Ζ": "Z",
}  # fmt: skip
_CONFUSABLES = str.maketrans(_LOOKALIKES)
# After folding, what is left upper-cased (a lower-case Cyrillic "в" became "В" in the keys
# stored before, and still compares as B).
_UPPER_CONFUSABLES = str.maketrans(
    "АВЕЅІЈКМНОРСТУХԚԜҮΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "ABESIJKMHOPCTYXQWYABEZHIKMNOPTYX",
)


def _key(value):
    folded = _INVISIBLE.sub("", value or "").translate(_CONFUSABLES)
    folded = unicodedata.normalize("NFKC", folded).translate(_CONFUSABLES)
    folded = unicodedata.normalize("NFKC", folded.casefold())
    return _KEY_STRIP.sub("", folded.strip().upper().translate(_UPPER_CONFUSABLES))


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
    dependencies = [("funding", "0014_report_spending_holds_sums")]

    operations = [migrations.RunPython(fold, migrations.RunPython.noop)]
