"""The schools app's bulk imports on the portal's one import framework (portal.imports):
DUO school locations (both layouts), the CBS schoolweging file and scan needs.

Every importer can be limited to one municipality (``municipality=``): the browser import of a
policy officer takes the national file as DUO/CBS publish it and skips (counts) the rows of other
municipalities; the command line (staff) may load the whole country and creates the
municipalities it names, with their CBS names (issue 11; docs/gemeenten.md).
"""

import re
from collections import Counter
from decimal import Decimal

from django.db.models import Q
from django.db.models.functions import Substr
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from portal.cbs import CbsCodeError, CbsRegister, place_name
from portal.domain import Sector, Severity, Theme
from portal.imports import (
    Column,
    Importer,
    ImportValueError,
    ImportValueErrors,
    RowError,
    bulk_upsert,
    choice,
    decimal_number,
    duplicate_rows,
    integer,
    location_code,
    small_count,
)
from portal.limits import plausible_years
from portal.models import Municipality

from .models import Need, Scan, School, SchoolWeight

_BRIN = re.compile(r"[0-9]{2}[A-Z]{2}")
_VESTIGING = re.compile(r"(?:[0-9]{2}[A-Z]{2})?([0-9]{2})")
_SCHOOL_YEAR = re.compile(r"([0-9]{4})-([0-9]{4})")

# SOORT_PO of the newer DUO layout -> our sector codes.
_SOORT_PO = {"bo": Sector.BO, "sbo": Sector.SBO, "so": Sector.SO, "vso": Sector.VSO}


def brin(value) -> str:
    code = str(value).strip().upper()
    if not _BRIN.fullmatch(code):
        raise ImportValueError(
            _("%(value)s is geen geldig BRIN-nummer (bijvoorbeeld 16SW)") % {"value": f'"{value}"'}
        )
    return code


def vestiging(value) -> str:
    """``00``, ``0`` (Excel ate a zero) or the full ``00AP00`` of the newer layout."""
    text = str(value).strip().upper()
    if text.isdigit() and len(text) == 1:
        text = "0" + text
    match = _VESTIGING.fullmatch(text)
    if not match:
        raise ImportValueError(
            _("%(value)s is geen geldig vestigingsnummer (bijvoorbeeld 00)")
            % {"value": f'"{value}"'}
        )
    return match[0]


def gemeentenummer(value) -> str:
    try:
        number = integer(value)
    except ImportValueError:
        number = 0
    if not 0 < number < 10000:
        raise ImportValueError(
            _("%(value)s is geen geldig gemeentenummer (bijvoorbeeld 0756)")
            % {"value": f'"{value}"'}
        )
    return f"GM{number:04d}"


def school_year(value) -> str:
    match = _SCHOOL_YEAR.fullmatch(str(value).strip())
    first, last = plausible_years()
    if not match or int(match[2]) != int(match[1]) + 1 or not first <= int(match[1]) < last:
        raise ImportValueError(
            _("%(value)s is geen schooljaar (schrijf 2023-2024)") % {"value": f'"{value}"'}
        )
    return match[0]


def percentage(value) -> Decimal:
    # Two decimals at most, as the scan form's field: 12,345 is refused, not read as 12,34.
    number = decimal_number(
        str(value).rstrip("%").strip() if isinstance(value, str) else value, places=2
    )
    if not 0 <= number <= 100:
        raise ImportValueError(_("%(value)s ligt niet tussen 0 en 100") % {"value": f'"{value}"'})
    return number.quantize(Decimal("0.01"))


def _not_in_municipality(line, column, code, municipality) -> RowError:
    return RowError(
        line,
        column,
        str(
            _("%(code)s hoort niet bij gemeente %(name)s")
            % {"code": code, "name": municipality.name}
        ),
    )


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
    fields = [
        "name",
        "sector",
        "board_number",
        "swv_code",
        "street",
        "house_number",
        "postcode",
        "city",
        "denomination",
        "pupil_count",
    ]

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
            return _("regels van andere gemeenten")
        return None if code == self.municipality.code else _("regels van andere gemeenten")

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
                    _not_in_municipality(row["_line"], "vestiging", row["code"], self.municipality)
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
                        "regels met een BRIN|C-sleutel die niet eenduidig bij één locatie hoort"
                    )
                    continue
            if match is None:
                row["_skip"] = _("regels van scholen die niet in het portaal staan")
                continue
            row["school_id"], municipality_id = match
            if self.municipality is not None and municipality_id != self.municipality.id:
                row["_skip"] = _("regels van scholen van andere gemeenten")
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


class NeedImporter(Importer):
    """Scan needs (interchange.md section 5): the same Need records the scan form writes.

    A scan that does not exist yet is created as an imported scan (the municipality sees it);
    an existing scan keeps its status and source, only its needs are updated.
    """

    columns = [
        Column("school", required=True, parse=location_code),
        Column("school_year", required=True, parse=school_year),
        Column("theme", required=True, parse=choice(Theme.values)),
        Column("severity", required=True, parse=choice(Severity.values)),
        Column("share_of_pupils", parse=percentage),
    ]

    def __init__(self, *, municipality=None):
        self.municipality = municipality

    def validate_all(self, rows):
        errors = duplicate_rows(rows, "school", "school_year", "theme")
        with scopes_disabled():
            schools = {
                code: (pk, m)
                for code, pk, m in School.objects.filter(
                    code__in={r["school"] for r in rows}
                ).values_list("code", "id", "municipality_id")
            }
        for row in rows:
            if row["school"] not in schools:
                errors.append(
                    RowError(row["_line"], "school", str(_("onbekende school %s") % row["school"]))
                )
                continue
            row["school_id"], row["municipality_id"] = schools[row["school"]]
            if self.municipality is not None and row["municipality_id"] != self.municipality.id:
                errors.append(
                    _not_in_municipality(row["_line"], "school", row["school"], self.municipality)
                )
        return errors

    def save(self, rows):
        with scopes_disabled():
            keys = {(r["school_id"], r["school_year"]): r["municipality_id"] for r in rows}
            school_ids = {k[0] for k in keys}
            scans = {
                (s.school_id, s.school_year): s.id
                for s in Scan.objects.filter(school_id__in=school_ids).only(
                    "id", "school_id", "school_year"
                )
            }
            new_scans = [
                Scan(
                    school_id=school_id,
                    school_year=year,
                    municipality_id=municipality_id,
                    source=Scan.Source.IMPORT,
                    status=Scan.Status.SUBMITTED,
                )
                for (school_id, year), municipality_id in keys.items()
                if (school_id, year) not in scans
            ]
            if new_scans:
                Scan.objects.bulk_create(new_scans, batch_size=2000)
                for scan in Scan.objects.filter(school_id__in=school_ids).only(
                    "id", "school_id", "school_year"
                ):
                    scans[(scan.school_id, scan.school_year)] = scan.id
            needs = [
                Need(
                    scan_id=scans[(r["school_id"], r["school_year"])],
                    theme=r["theme"],
                    severity=r["severity"],
                    share_of_pupils=r["share_of_pupils"],
                )
                for r in rows
            ]
            # The file has no notes: a note typed in the form survives a re-import.
            return bulk_upsert(Need, needs, ["scan", "theme"], ["severity", "share_of_pupils"])
