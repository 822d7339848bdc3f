"""DUO's school locations file, "adressen alle vestigingen", classic and new layout
(interchange.md section 1).

The browser import of a policy officer may take the national file as DUO publishes it: rows of
other municipalities are skipped and counted. The command line (staff) may load the whole
country and creates the municipalities it names, with their CBS names (issue 11;
docs/gemeenten.md).
"""

import re

from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from portal.cbs import CbsCodeError, CbsRegister, place_name
from portal.domain import Sector
from portal.imports import (
    Column,
    Importer,
    ImportValueError,
    ImportValueErrors,
    RowError,
    bulk_upsert,
    choice,
    duplicate_rows,
    small_count,
)
from portal.models import Municipality

from ..models import SCHOOL_FIELDS, School
from .parsers import brin, gemeentenummer, not_in_municipality, vestiging

# SOORT_PO of the newer DUO layout -> our sector codes.
_SOORT_PO = {"bo": Sector.BO, "sbo": Sector.SBO, "so": Sector.SO, "vso": Sector.VSO}


def _school(name):
    return School._meta.get_field(name)


class SchoolImporter(Importer):
    """DUO "vestigingen" files, classic and new layout (interchange.md section 1).

    The natural key is the location code; a re-import updates. A value the file does not give
    (a column the layout lacks, or an empty cell) leaves what is stored alone, so importing the
    new layout after the classic one does not wipe the addresses.
    """

    columns = [
        Column(
            "brin",
            required=True,
            parse=brin,
            aliases=("brin nummer", "instellingscode", "brin_nummer"),
        ),
        Column(
            "vestiging",
            required=True,
            parse=vestiging,
            aliases=("vestigingsnummer", "vestigingscode"),
        ),
        Column("name", required=True, aliases=("vestigingsnaam",), field=_school("name")),
        Column("gemeentenummer", required=True, parse=gemeentenummer),
        Column("gemeentenaam", field=Municipality._meta.get_field("name")),
        Column("board_number", aliases=("bevoegd gezag nummer", "bevoegd_gezag_nummer")),
        Column("soort_po", parse=lambda v: _SOORT_PO.get(str(v).strip().lower()) or _bad_soort(v)),
        Column("sector", parse=choice(Sector.values)),
        Column("swv_code", aliases=("samenwerkingsverband", "swv"), field=_school("swv_code")),
        Column("street", aliases=("straatnaam",), field=_school("street")),
        Column(
            "house_number",
            aliases=("huisnummer-toevoeging", "huisnummer"),
            field=_school("house_number"),
        ),
        Column("postcode", field=_school("postcode")),
        Column("city", aliases=("plaatsnaam",), field=_school("city")),
        Column("denomination", aliases=("denominatie",), field=_school("denomination")),
        Column(
            "pupil_count",
            parse=small_count,
            aliases=("aantal_leerlingen", "aantal leerlingen"),
            field=_school("pupil_count"),
        ),
    ]
    fields = SCHOOL_FIELDS

    def __init__(self, *, sector: str | None = None, municipality=None):
        self.sector = sector
        self.municipality = municipality
        self._register = None

    @property
    def register(self) -> CbsRegister:
        if self._register is None:
            self._register = CbsRegister.load()
        return self._register

    def skip_reason(self, row):
        """A municipal upload of the national file: rows of other municipalities (after
        mapping merged codes to their successor) are left out and counted, not refused. A
        code split over several successors stays this municipality's error when it is one
        of them; a code CBS never had is not this municipality's."""
        if self.municipality is None or "gemeentenummer" not in row:
            return None
        try:
            code = self.register.resolve(row["gemeentenummer"]).code
        except CbsCodeError as error:
            if self.municipality.code in error.successors:
                return None
            return _("van andere gemeenten")
        return None if code == self.municipality.code else _("van andere gemeenten")

    def clean_row(self, row, line):
        problems = []  # every problem of the row, not only the first (issue 11)
        try:
            resolved = self.register.resolve(row["gemeentenummer"])
        except CbsCodeError as error:
            problems.append(ImportValueError(str(error), column="gemeentenummer"))
        else:
            if resolved.notice:
                self.notice(resolved.notice)
            row["gemeentenummer"] = resolved.code
        row["code"] = row["brin"] + row["vestiging"][-2:]
        if len(row["vestiging"]) == 6 and row["vestiging"][:4] != row["brin"]:
            problems.append(
                ImportValueError(
                    _("vestigingscode hoort niet bij dit BRIN-nummer"), column="vestiging"
                )
            )
        row["sector"] = self.sector or row["sector"] or row["soort_po"]
        if row["city"]:
            row["city"] = place_name(row["city"])  # DUO writes place names in capitals
        if row["board_number"] and not re.fullmatch(r"[0-9]{1,5}", str(row["board_number"])):
            problems.append(
                ImportValueError(
                    _("bevoegd gezag is een nummer van 5 cijfers"), column="board_number"
                )
            )
        elif row["board_number"]:
            row["board_number"] = f"{int(row['board_number']):05d}"
        if problems:
            raise ImportValueErrors(problems)
        return row

    def validate_all(self, rows):
        errors = duplicate_rows(rows, "code")
        stored, sectors = {}, {}
        with scopes_disabled():
            codes = [r["code"] for r in rows]
            for start in range(0, len(codes), 5000):
                found = School.objects.filter(code__in=codes[start : start + 5000])
                for code, municipality_code, sector in found.values_list(
                    "code", "municipality__code", "sector"
                ):
                    stored[code], sectors[code] = municipality_code, sector
        moved = []
        for row in rows:
            if stored.get(row["code"], row["gemeentenummer"]) != row["gemeentenummer"]:
                moved.append((row["code"], stored[row["code"]], row["gemeentenummer"]))
            if (
                self.municipality is not None
                and stored.get(row["code"], self.municipality.code) != self.municipality.code
            ):
                errors.append(
                    not_in_municipality(row["_line"], "vestiging", row["code"], self.municipality)
                )
                continue
            if not row["sector"] and row["code"] not in sectors:
                errors.append(
                    RowError(
                        row["_line"],
                        "sector",
                        str(
                            _(
                                "sector onbekend: het bestand heeft geen kolom SOORT_PO; kies de sector bij het importeren"
                            )
                        ),
                    )
                )
        # A school never changes municipality silently (issue 11).
        for code, old, new in sorted(moved):
            self.notice(
                _("%(school)s verhuist van %(old)s (%(old_code)s) naar %(new)s (%(new_code)s)")
                % {
                    "school": code,
                    "old": self._name(old),
                    "old_code": old,
                    "new": self._name(new),
                    "new_code": new,
                }
            )
        return errors

    def _name(self, code):
        try:
            return self.register.name(code)
        except KeyError:
            return Municipality.objects.filter(code=code).values_list("name", flat=True).first()

    def save(self, rows):
        with scopes_disabled():
            municipalities = self._municipalities(rows)
            codes = [r["code"] for r in rows]
            existing = {}
            for start in range(0, len(codes), 5000):
                existing.update(
                    (s.code, s) for s in School.objects.filter(code__in=codes[start : start + 5000])
                )
            objs = []
            for row in rows:
                school = existing.get(row["code"]) or School(code=row["code"])
                school.municipality_id = municipalities[row["gemeentenummer"]]
                for name in self.fields:
                    if row[name] not in (None, ""):
                        setattr(school, name, row[name])
                objs.append(school)
            return bulk_upsert(School, objs, ["code"], ["municipality", *self.fields])

    def _municipalities(self, rows):
        """Code -> id, creating the municipalities the file names that the portal does not
        know, with CBS's name (never the file's GEMEENTENAAM: DUO writes it in capitals)."""
        codes = {r["gemeentenummer"] for r in rows}
        known = dict(Municipality.objects.filter(code__in=codes).values_list("code", "id"))
        for code in sorted(codes):
            if code not in known:
                name = self.register.name(code)
                slug = slugify(name) or code.lower()
                if Municipality.objects.filter(slug=slug).exists():
                    slug = f"{slug}-{code[2:]}"
                known[code] = Municipality.objects.create(code=code, name=name, slug=slug).id
        return known


def _bad_soort(value):
    raise ImportValueError(
        _("%(value)s is geen bekende SOORT_PO (Bo, Sbo, So, Vso)") % {"value": f'"{value}"'}
    )
