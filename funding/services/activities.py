"""Activities (inzet): municipal activities and schools' own interventions."""

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import ClassVar

from django.db import transaction
from django.utils.translation import gettext as _

from portal import imports as im
from portal import limits
from portal.audit import audit_log, diff
from portal.domain import Menukaart, Sector, Theme
from portal.exceptions import ApplicationError
from portal.imports import parsers
from portal.models import Municipality
from portal.records import RecordFields
from schools.models import Scan, School

from ..models import Activity, FundingLine, FundingStream
from .checks import reach_rebuild
from .common import save_versioned


@dataclass(frozen=True, kw_only=True)
class ActivityFields(RecordFields):
    """An activity (inzet) as entered on its form: the input of :func:`activity_create` and
    :func:`activity_update`; the schools it reaches and its funding lines are separate
    arguments. ``themes`` and ``sectors`` are codes (domain.md, "Themes", "Sectors"; no
    sectors: all); ``start``/``end`` dates; ``planned_cost`` in euro (Decimal) or None;
    ``menukaart`` an NPO category A-F or "" (domain.md, "NPO menukaart categories")."""

    decimals: ClassVar = ("planned_cost",)  # euro
    dates: ClassVar = ("start", "end")

    code: str
    name: str
    themes: list[str]
    start: date
    end: date
    description: str = ""
    sectors: list[str] = field(default_factory=list)
    planned_cost: Decimal | None = None
    menukaart: str = ""
    partner: str = ""


ACTIVITY_FIELDS = ActivityFields.names()


def _validate(*, municipality, data: ActivityFields, owner_school=None, instance=None, schools=()):
    if owner_school is not None and schools and list(schools) != [owner_school]:
        raise ApplicationError(_("Een eigen interventie van een school bereikt alleen die school."))
    if (
        instance is not None
        and instance.owner_school_id
        and instance.scans.exclude(status=Scan.Status.DRAFT).exists()
    ):
        raise ApplicationError(
            _(
                "Deze interventie hoort bij een ingediende schoolscan en verandert niet meer. "
                "Laat de scan eerst terugsturen."
            )
        )
    if data.end < data.start:
        raise ApplicationError(_("Het einde van de activiteit ligt voor het begin."))
    if not data.themes:
        raise ApplicationError(_("Kies ten minste één thema."))
    same = Activity.objects.filter(
        municipality=municipality, code=data.code, owner_school=owner_school
    )
    if instance is not None:
        same = same.exclude(pk=instance.pk)
    if same.exists():
        raise ApplicationError(_("Er is al een activiteit met code %s.") % data.code)


def _set_funding(activity, funding):
    """Replace the funding lines: ``funding`` is ``[(stream, amount or None), ...]``."""
    FundingLine.objects.filter(activity=activity).delete()
    FundingLine.objects.bulk_create(
        [FundingLine(activity=activity, stream=s, amount=a) for s, a in funding]
    )


def activity_create(
    *,
    municipality,
    actor,
    fields: ActivityFields,
    schools: Collection[School] = (),
    funding: Collection[tuple[FundingStream, Decimal | None]] = (),
    owner_school: School | None = None,
) -> Activity:
    """Create an activity of ``municipality`` (``owner_school`` set: a school's own
    intervention) reaching ``schools`` (none: every school of the municipality in its sectors),
    paid from ``funding``: ``[(stream, amount in euro or None), ...]``. Refreshes the reach
    index the checks and the director's list read (checks.md).

    Raises ApplicationError when the end lies before the start, no theme is chosen, the code
    is taken (per owner), or a school's own intervention would reach another school."""
    _validate(municipality=municipality, data=fields, owner_school=owner_school, schools=schools)
    values = fields.values()
    with transaction.atomic():
        activity = Activity.objects.create(
            municipality=municipality, owner_school=owner_school, **values
        )
        activity.schools.set(schools)
        _set_funding(activity, funding)
        audit_log(
            actor=actor,
            action="activity.create",
            obj=activity,
            changes={k: [None, v] for k, v in values.items()},
        )
        _refresh_reach(municipality)
    return activity


def _refresh_reach(municipality):
    """Keep the reach index current for the pages (a director's list) between check runs."""

    reach_rebuild(municipality)


def activity_update(
    *,
    activity,
    actor,
    fields: ActivityFields,
    version: int,
    schools: Collection[School] | None = None,
    funding: Collection[tuple[FundingStream, Decimal | None]] | None = None,
) -> Activity:
    """Replace the entered fields of ``activity`` with ``fields``; ``schools`` and ``funding``
    as for :func:`activity_create`, None leaving them as they are. ``version`` is the version
    the user's form was read at (optimistic locking).

    Raises ApplicationError for the rules of :func:`activity_create`, when the activity is a
    school's intervention in a submitted scan, and when someone else saved it since
    ``version`` was read."""
    _validate(
        municipality=activity.municipality,
        data=fields,
        owner_school=activity.owner_school,
        instance=activity,
        schools=schools or (),
    )
    values = fields.values()
    changes = diff(activity, values)
    with transaction.atomic():
        for name, value in values.items():
            setattr(activity, name, value)
        save_versioned(activity, version=version, fields=list(values))
        if schools is not None:
            old = sorted(activity.schools.values_list("code", flat=True))
            activity.schools.set(schools)
            new = sorted(s.code for s in schools)
            if old != new:
                changes["schools"] = [old, new]
        if funding is not None:
            _set_funding(activity, funding)
        audit_log(actor=actor, action="activity.update", obj=activity, changes=changes)
        _refresh_reach(activity.municipality)
    return activity


_FUNDING = re.compile(r"(?P<stream>[A-Za-z0-9_-]+?)(?::(?P<amount>.+))?")


def funding_item(value):
    """``GOAB`` or ``GOAB:150000`` -> (code, Decimal or None)."""
    match = _FUNDING.fullmatch(str(value).strip())
    if not match:
        raise im.ImportValueError(
            _("%s is geen financieringsregel (STROOM of STROOM:bedrag)") % value
        )
    amount = None
    if match["amount"]:
        amount = im.amount(match["amount"])
        try:
            limits.check(FundingLine._meta.get_field("amount"), amount)
        except limits.LimitError as error:
            raise im.ImportValueError(str(error)) from None
    return match["stream"].upper(), amount


def owner_code(value):
    text = str(value).strip().upper()
    if parsers._LOCATION_CODE.fullmatch(text):
        return text
    return im.municipality_code(text)


class ActivityImporter(im.Importer):
    """``import_activities`` (interchange.md section 3); natural key (owner, code)."""

    columns = [
        im.Column("owner", required=True, parse=owner_code),
        im.Column("code", required=True, field=Activity._meta.get_field("code")),
        im.Column("name", required=True, field=Activity._meta.get_field("name")),
        im.Column("themes", required=True, parse=im.multi(im.labelled_choice(Theme))),
        im.Column("schools", parse=im.multi(im.location_code), default=[]),
        im.Column("sectors", parse=im.multi(im.labelled_choice(Sector)), default=[]),
        im.Column("start", required=True, parse=im.date),
        im.Column("end", required=True, parse=im.date),
        im.Column(
            "planned_cost",
            parse=im.optional_amount,
            field=Activity._meta.get_field("planned_cost"),
        ),
        im.Column("funding", required=True, parse=im.multi(funding_item)),
        im.Column("menukaart", parse=im.labelled_choice(Menukaart), default=""),
        im.Column("partner", default="", field=Activity._meta.get_field("partner")),
    ]

    def __init__(self, *, municipality=None, actor=None):
        self.only_municipality = municipality
        self.actor = actor

    def clean_row(self, row, line):
        if row["end"] < row["start"]:
            raise im.ImportValueError(_("einde ligt voor begin"), column="end")
        if not row["themes"]:
            raise im.ImportValueError(_("waarde ontbreekt"), column="themes")
        if not row["funding"]:
            raise im.ImportValueError(_("waarde ontbreekt"), column="funding")
        return row

    def validate_all(self, rows):
        errors = im.duplicate_rows(rows, "owner", "code")
        codes = {r["owner"] for r in rows} | {s for r in rows for s in r["schools"]}
        self.schools = {
            s.code: s for s in School.objects.filter(code__in=codes).select_related("municipality")
        }
        self.municipalities = {m.code: m for m in Municipality.objects.filter(code__in=codes)}
        self.streams = {s.code: s for s in FundingStream.objects.all()}
        for r in rows:
            owner = r["owner"]
            if owner.startswith("GM"):
                municipality = self.municipalities.get(owner)
                if municipality is None:
                    errors.append(
                        im.RowError(r["_line"], "owner", _("onbekende gemeente %s") % owner)
                    )
            else:
                school = self.schools.get(owner)
                municipality = school.municipality if school else None
                if school is None:
                    errors.append(
                        im.RowError(r["_line"], "owner", _("onbekende school %s") % owner)
                    )
            if (
                municipality
                and self.only_municipality
                and municipality.pk != self.only_municipality.pk
            ):
                errors.append(
                    im.RowError(
                        r["_line"], "owner", _("hoort niet bij %s") % self.only_municipality.name
                    )
                )
            for code in r["schools"]:
                school = self.schools.get(code)
                if school is None:
                    errors.append(
                        im.RowError(r["_line"], "schools", _("onbekende school %s") % code)
                    )
                elif municipality and school.municipality_id != municipality.pk:
                    errors.append(
                        im.RowError(
                            r["_line"],
                            "schools",
                            _("school %s hoort bij een andere gemeente") % code,
                        )
                    )
            for stream, _amount in r["funding"]:
                if stream not in self.streams:
                    errors.append(
                        im.RowError(
                            r["_line"], "funding", _("onbekende financieringsstroom %s") % stream
                        )
                    )
            if len({s for s, _a in r["funding"]}) != len(r["funding"]):
                errors.append(
                    im.RowError(r["_line"], "funding", _("een stroom komt twee keer voor"))
                )
        return errors

    def save(self, rows):
        created = updated = unchanged = 0
        touched = set()
        for r in rows:
            owner_school = self.schools.get(r["owner"]) if not r["owner"].startswith("GM") else None
            municipality = (
                owner_school.municipality if owner_school else self.municipalities[r["owner"]]
            )
            values = {
                k: r[k]
                for k in (
                    "name",
                    "themes",
                    "sectors",
                    "start",
                    "end",
                    "planned_cost",
                    "menukaart",
                    "partner",
                )
            }
            schools = sorted(self.schools[c].pk for c in r["schools"])
            funding = sorted((self.streams[s].pk, a) for s, a in r["funding"])
            activity = Activity.objects.filter(
                municipality=municipality, owner_school=owner_school, code=r["code"]
            ).first()
            if activity is None:
                activity = Activity.objects.create(
                    municipality=municipality, owner_school=owner_school, code=r["code"], **values
                )
                activity.schools.set(schools)
                FundingLine.objects.bulk_create(
                    [FundingLine(activity=activity, stream_id=s, amount=a) for s, a in funding]
                )
                created += 1
            else:
                old_schools = sorted(activity.schools.values_list("pk", flat=True))
                old_funding = sorted(activity.funding_lines.values_list("stream_id", "amount"))
                changes = diff(activity, values)
                if changes or old_schools != schools or old_funding != funding:
                    for name, value in values.items():
                        setattr(activity, name, value)
                    save_versioned(activity, version=activity.version, fields=list(values))
                    activity.schools.set(schools)
                    FundingLine.objects.filter(activity=activity).delete()
                    FundingLine.objects.bulk_create(
                        [FundingLine(activity=activity, stream_id=s, amount=a) for s, a in funding]
                    )
                    updated += 1
                else:
                    unchanged += 1
            touched.add(municipality)
        for municipality in touched:
            _refresh_reach(municipality)
            audit_log(
                actor=self.actor,
                action="activities.import",
                obj=municipality,
                municipality=municipality,
                changes={"rows": [None, len(rows)]},
            )
        return created, updated, unchanged
