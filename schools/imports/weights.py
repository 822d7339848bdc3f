"""The CBS schoolweging file for one school year (``import_schools --weights``, the browser
import "schoolweging (CBS)"): the weight and pupil count per school location."""

from collections import Counter
from decimal import Decimal

from django.db.models import Q
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from portal.imports import (
    Column,
    Importer,
    ImportValueError,
    bulk_upsert,
    decimal_number,
    duplicate_rows,
    location_code,
    small_count,
)

from ..models import School, SchoolWeight
from .parsers import brin, vestiging


def ovt_key(value) -> str:
    """CBS keys a location as ``00AP|C1`` (BRIN + a CBS number for one of its locations, not a
    vestigingsnummer) or by its location code ``00AP01``; returned upper-cased."""
    text = str(value).strip().upper()
    if "|" in text:
        brin_part, suffix = text.split("|", 1)
        return f"{brin(brin_part)}|{suffix.strip()}"
    return location_code(text)


class SchoolWeightImporter(Importer):
    """The CBS schoolweging file (``import_schools --weights``) for one school year.

    ``OVT`` is a location code or ``BRIN|C1``. ``C1``, ``C2`` number the BRIN's locations in
    CBS's own order; they are not vestigingsnummers. Such a key maps to a location when the
    BRIN has exactly one location in the portal (and the file one key for it), or through a location-code column
    (``vestigingscode``) when the file has one; otherwise the row is skipped and listed by its
    key, never mapped to a guessed location (issue 11, section 3). Rows for schools the
    portal does not hold, and (in a municipal upload) schools of other municipalities, are
    skipped and counted.
    """

    columns = [
        Column("ovt", required=True, parse=ovt_key),
        Column("schoolweging", required=True, parse=decimal_number),
        Column(
            "aantal_leerlingen",
            parse=small_count,
            aliases=("aantal leerlingen",),
            field=SchoolWeight._meta.get_field("pupil_count"),
        ),
        Column(
            "vestigingscode",
            parse=vestiging,
            aliases=("vestigingsnummer", "locatiecode", "vestiging"),
        ),
    ]

    def __init__(self, *, school_year: str, municipality=None):
        self.school_year = school_year
        self.municipality = municipality

    def clean_row(self, row, line):
        if not 0 <= row["schoolweging"] < 1000:
            raise ImportValueError(
                _("schoolweging ligt niet tussen 0 en 1000"), column="schoolweging"
            )
        row["schoolweging"] = row["schoolweging"].quantize(Decimal("0.01"))
        key, location = row["ovt"], row["vestigingscode"]
        if location and len(location) == 6 and location[:4] != key[:4]:
            raise ImportValueError(
                _("vestigingscode %(code)s hoort niet bij %(key)s")
                % {"code": location, "key": key},
                column="vestigingscode",
            )
        # The location this row is about, when the file says so.
        row["location"] = key[:4] + location[-2:] if location else (None if "|" in key else key)
        return row

    def validate_all(self, rows):
        codes = {r["location"] for r in rows if r["location"]}
        brins = {r["ovt"][:4] for r in rows if not r["location"]}
        with scopes_disabled():
            found = list(
                School.objects.annotate(brin=Substr("code", 1, 4))
                .filter(Q(code__in=codes) | Q(brin__in=brins))
                .values_list("code", "id", "municipality_id")
            )
        by_code = {code: (pk, m) for code, pk, m in found}
        by_brin = {}
        for code, pk, m in sorted(found):
            by_brin.setdefault(code[:4], []).append((pk, m))
        # A BRIN|C key is only unambiguous when the BRIN has one location in the portal and the
        # file one key for it: two keys for one location would be a guess too.
        keys_per_brin = Counter(r["ovt"][:4] for r in rows if not r["location"])
        ambiguous = []
        for row in rows:
            if row["location"]:
                match = by_code.get(row["location"])
            else:
                locations = by_brin.get(row["ovt"][:4], [])
                match = locations[0] if len(locations) == 1 else None
                if len(locations) > 1 or (locations and keys_per_brin[row["ovt"][:4]] > 1):
                    ambiguous.append(row["ovt"])
                    row["_skip"] = _(
                        "met een BRIN|C-sleutel die niet eenduidig bij één locatie hoort"
                    )
                    continue
            if match is None:
                row["_skip"] = _("van scholen die niet in het portaal staan")
                continue
            row["school_id"], municipality_id = match
            if self.municipality is not None and municipality_id != self.municipality.id:
                row["_skip"] = _("van scholen van andere gemeenten")
        if ambiguous:
            self.notice(
                _(
                    "Niet geïmporteerd, want de BRIN|C-sleutel wijst niet eenduidig één locatie "
                    "in het portaal aan en het bestand heeft geen kolom vestigingscode: %s"
                )
                % ", ".join(ambiguous)
            )
        return duplicate_rows([r for r in rows if not r.get("_skip")], "school_id", label="ovt")

    def save(self, rows):
        with scopes_disabled():
            weights = [
                SchoolWeight(
                    school_id=r["school_id"],
                    school_year=self.school_year,
                    weight=r["schoolweging"],
                    pupil_count=r["aantal_leerlingen"],
                )
                for r in rows
            ]
            result = bulk_upsert(
                SchoolWeight, weights, ["school", "school_year"], ["weight", "pupil_count"]
            )
            # The newest pupil count is the school's current one.
            counted = [
                School(id=r["school_id"], pupil_count=r["aantal_leerlingen"])
                for r in rows
                if r["aantal_leerlingen"] is not None
            ]
            School.objects.bulk_update(counted, ["pupil_count"], batch_size=2000)
        return result
