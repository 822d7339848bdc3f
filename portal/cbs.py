"""CBS reference data: the municipalities in force and the municipal reorganisations
(herindelingen) since 2018, and what an import does with a municipality code (issue 11,
section 2; docs/gemeenten.md).

The data ship in ``portal/reference_data/`` (source named in each file), are loaded into
:class:`~portal.models.CbsMunicipality` / :class:`~portal.models.CbsReorganisation` by a
migration and refreshed from CBS's published files with ``manage.py update_cbs_gemeenten``.

Rules (:meth:`CbsRegister.resolve`):

- a code in force maps to itself, with CBS's official name;
- a code a merger replaced maps to its one successor, with a notice
  ``0010 Delfzijl valt sinds 01-01-2021 onder Eemsdelta (GM1979)``;
- a code split over several successors cannot be mapped: :class:`CbsCodeError` naming them;
- a code CBS never had: :class:`CbsCodeError`.
"""

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from .formatting import format_date
from .models import CbsMunicipality, CbsReorganisation

REFERENCE_DIR = Path(__file__).resolve().parent / "reference_data"
MUNICIPALITIES_FILE = REFERENCE_DIR / "cbs_gemeenten.csv"
REORGANISATIONS_FILE = REFERENCE_DIR / "cbs_herindelingen.csv"


class CbsCodeError(ValueError):
    """A municipality code that cannot be mapped to one municipality in force (Dutch message);
    ``successors`` lists the codes in force a split code went to (empty when unknown)."""

    def __init__(self, message, successors=()):
        super().__init__(message)
        self.successors = tuple(successors)


# --- reading the reference files ----------------------------------------------


def _gm(value) -> str:
    """``'GM0010'``, ``'0010'``, ``'10'`` or ``10`` -> ``'GM0010'``; ValueError otherwise."""
    text = re.sub(r"\s+", "", str(value)).upper()
    match = re.fullmatch(r"(?:GM)?([0-9]{1,4})", text)
    if not match or not int(match[1]):
        raise ValueError(f"geen gemeentecode: {value!r}")
    return f"GM{int(match[1]):04d}"


def _records(text: str) -> list[dict[str, str]]:
    """Rows of a ``;``/``,``-separated text as dicts by lower-cased header; ``#`` lines are
    comments (the shipped files name their source there)."""
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not lines:
        return []
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    return [dict(zip(header, (c.strip() for c in row), strict=False)) for row in reader if row]


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("onbekende tekenset")


def parse_municipalities(data: bytes) -> list[tuple[str, str, str]]:
    """CBS "Gemeenten alfabetisch" (CSV) -> ``[(code 'GM0014', name, province)]``.

    Needs the columns ``GemeentecodeGM`` or ``Gemeentecode``, ``Gemeentenaam`` and
    ``Provincienaam``; raises ValueError naming what is missing or wrong.
    """
    rows = _records(_decode(data))
    if not rows or "gemeentenaam" not in rows[0] or "provincienaam" not in rows[0]:
        raise ValueError("kolommen Gemeentecode, Gemeentenaam en Provincienaam verwacht")
    key = "gemeentecodegm" if "gemeentecodegm" in rows[0] else "gemeentecode"
    return [(_gm(r[key]), r["gemeentenaam"], r["provincienaam"]) for r in rows]


def parse_reorganisations(data: bytes) -> list[tuple[dt.date, str, str, str, str]]:
    """The herindelingen file (``datum;oude_code;oude_naam;nieuwe_code;nieuwe_naam``, date as
    ``2021-01-01`` or ``01-01-2021``) -> ``[(date, old code, old name, new code, new name)]``."""
    result = []
    for r in _records(_decode(data)):
        text = r["datum"]
        day = (
            dt.date.fromisoformat(text)
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text)
            else dt.datetime.strptime(text, "%d-%m-%Y").date()
        )
        result.append(
            (day, _gm(r["oude_code"]), r["oude_naam"], _gm(r["nieuwe_code"]), r["nieuwe_naam"])
        )
    return result


def load_reference_data(
    municipality_model, reorganisation_model, *, municipalities=None, reorganisations=None
) -> tuple[int, int]:
    """Replace the stored reference data with the given files' (bytes; default: the shipped
    files). Takes the model classes so a migration can pass its historical models. Returns
    ``(municipalities, reorganisations)`` counts."""
    if municipalities is None:
        municipalities = MUNICIPALITIES_FILE.read_bytes()
    if reorganisations is None:
        reorganisations = REORGANISATIONS_FILE.read_bytes()
    current = parse_municipalities(municipalities)
    changes = parse_reorganisations(reorganisations)
    municipality_model.objects.all().delete()
    municipality_model.objects.bulk_create(
        municipality_model(code=code, name=name, province=province)
        for code, name, province in current
    )
    reorganisation_model.objects.all().delete()
    reorganisation_model.objects.bulk_create(
        reorganisation_model(
            date=day, old_code=old, old_name=old_name, new_code=new, new_name=new_name
        )
        for day, old, old_name, new, new_name in changes
    )
    return len(current), len(changes)


# --- resolving codes ------------------------------------------------------------


@dataclass(frozen=True)
class Resolved:
    """``code``/``name``: the municipality in force; ``notice``: set when a merger mapped it."""

    code: str
    name: str
    notice: str = ""


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + _(" en ") + names[-1]


class CbsRegister:
    """The reference data in memory, for one import (a few hundred rows: read once).

    ``CbsRegister.load()`` reads the database; when the tables are empty (a test database
    flushed by a TransactionTestCase) the shipped files are loaded into them first.
    """

    def __init__(self, current: dict[str, tuple[str, str]], changes: list[tuple]):
        self.current = current
        self.successors: dict[str, list[tuple[dt.date, str]]] = {}
        self.old_names: dict[str, str] = {}
        for day, old, old_name, new, _new_name in changes:
            self.successors.setdefault(old, []).append((day, new))
            self.old_names[old] = old_name

    @classmethod
    def load(cls) -> "CbsRegister":
        if not CbsMunicipality.objects.exists():
            load_reference_data(CbsMunicipality, CbsReorganisation)
        current = {
            code: (name, province)
            for code, name, province in CbsMunicipality.objects.values_list(
                "code", "name", "province"
            )
        }
        changes = list(
            CbsReorganisation.objects.values_list(
                "date", "old_code", "old_name", "new_code", "new_name"
            )
        )
        return cls(current, changes)

    def name(self, code: str) -> str:
        return self.current[code][0]

    def _in_force(self, code: str, seen: set) -> tuple[list[str], dt.date]:
        """The codes in force that ``code`` became, following later mergers, and the date
        of the last change on the way."""
        seen.add(code)
        targets, last = set(), None
        for day, new in self.successors[code]:
            if new in self.current:
                targets.add(new)
                last = max(last or day, day)
            elif new in self.successors and new not in seen:
                found, when = self._in_force(new, seen)
                targets.update(found)
                last = max(last or when, when)
            else:
                raise CbsCodeError(_("%s is geen gemeentecode van het CBS") % new)
        return sorted(targets), last

    def resolve(self, code: str) -> Resolved:
        """Map a ``GM0010``-style code to the municipality in force (see the module doc).

        Raises CbsCodeError (Dutch message) for a split or unknown code.
        """
        if code in self.current:
            return Resolved(code, self.current[code][0])
        if code not in self.successors:
            raise CbsCodeError(_("%s is geen gemeentecode van het CBS") % code)
        targets, day = self._in_force(code, set())
        old = f"{code[2:]} {self.old_names[code]}"
        if len(targets) > 1:
            names = [f"{self.current[t][0]} ({t})" for t in targets]
            raise CbsCodeError(
                _(
                    "%(old)s is op %(date)s verdeeld over %(names)s; het bestand zegt niet "
                    "onder welke gemeente deze regel valt"
                )
                % {"old": old, "date": format_date(day), "names": _join(names)},
                successors=targets,
            )
        new = targets[0]
        notice = _("%(old)s valt sinds %(date)s onder %(name)s (%(code)s)") % {
            "old": old,
            "date": format_date(day),
            "name": self.current[new][0],
            "code": new,
        }
        return Resolved(new, self.current[new][0], notice)


# --- place names ----------------------------------------------------------------

_PARTICLES = {
    "aan",
    "de",
    "den",
    "der",
    "het",
    "op",
    "van",
    "en",
    "bij",
    "in",
    "ter",
    "ten",
    "te",
    "onder",
    "over",
    "sur",
    "upon",
}
_ARTICLES = {"'s": "'s", "'t": "'t"}


def _cap(word: str) -> str:
    if word.startswith("ij"):
        return "IJ" + word[2:]
    return word[:1].upper() + word[1:]


def place_name(text: str) -> str:
    """A place name as a file gives it, or cased by Dutch rules when it is all capitals:
    ``CAPELLE AAN DEN IJSSEL`` -> ``Capelle aan den IJssel``, ``IJSSELSTEIN`` ->
    ``IJsselstein``, ``'S-GRAVENHAGE`` -> ``'s-Gravenhage``, ``DEN HAAG`` -> ``Den Haag``."""
    if not text or text != text.upper() or not any(c.isalpha() for c in text):
        return text
    words = []
    for index, word in enumerate(text.lower().split(" ")):
        parts = word.split("-")
        cased = []
        for position, part in enumerate(parts):
            if part in _ARTICLES:
                cased.append(_ARTICLES[part])
            elif (index or position) and part in _PARTICLES and position == 0:
                cased.append(part)
            else:
                cased.append(_cap(part))
        words.append("-".join(cased))
    return " ".join(words)
