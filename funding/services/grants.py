"""Grants (beschikkingen): create, change, import."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import imports as im
from portal.audit import audit_log, diff
from portal.exceptions import ApplicationError
from portal.models import Municipality
from portal.records import RecordFields

from ..models import FundingStream, Grant
from .common import save_versioned


@dataclass(frozen=True, kw_only=True)
class GrantFields(RecordFields):
    """A grant (beschikking) as entered on its form: the input of :func:`grant_create` and
    :func:`grant_update`. Amounts in euro (Decimal, 2 places; the form refuses a negative one,
    only expenditure lines can be credits, issue 13 §2); the spending window as dates
    (domain.md, "Funding streams"); ``carried_from`` is the grant of the
    same municipality the ``carry_over`` came from."""

    decimals: ClassVar = ("amount", "carry_over")  # euro
    dates: ClassVar = ("window_start", "window_end")

    stream: FundingStream
    reference: str
    amount: Decimal
    window_start: date | None = None
    window_end: date | None = None
    carry_over: Decimal = Decimal("0.00")
    carried_from: Grant | None = None
    notes: str = ""


GRANT_FIELDS = GrantFields.names()


def _validate(*, municipality, data: GrantFields, instance=None):
    start, end = data.window_start, data.window_end
    if start and end and end < start:
        raise ApplicationError(_("Het einde van de bestedingstermijn ligt voor het begin."))
    carried_from = data.carried_from
    if carried_from is not None:
        if carried_from.municipality_id != municipality.pk:
            raise ApplicationError(
                _("De beschikking waaruit is overgeheveld hoort bij een andere gemeente.")
            )
        if instance is not None and carried_from.pk == instance.pk:
            raise ApplicationError(_("Een beschikking kan niet uit zichzelf overhevelen."))
        if instance is not None and _carried_chain_reaches(carried_from, instance.pk):
            raise ApplicationError(
                _("De overheveling zou een kring vormen (A uit B en B uit A); kies een andere.")
            )
    duplicate = Grant.objects.filter(municipality=municipality, reference=data.reference)
    if instance is not None:
        duplicate = duplicate.exclude(pk=instance.pk)
    if duplicate.exists():
        raise ApplicationError(_("Er is al een beschikking met kenmerk %s.") % data.reference)


def _carried_chain_reaches(grant, target_pk) -> bool:
    """Whether following ``carried_from`` up from ``grant`` reaches ``target_pk`` (a loop).
    One query per step; chains are a few years long."""
    seen = set()
    current = grant
    while current is not None and current.pk not in seen:
        if current.pk == target_pk:
            return True
        seen.add(current.pk)
        current = current.carried_from
    return False


def _grant_amount(value):
    """A granted amount: never negative (only expenditure lines can be credits, issue 13 §2)."""
    number = im.amount(value)
    if number < 0:
        raise im.ImportValueError(_("een toegekend bedrag kan niet negatief zijn"))
    return number


def _loops(chains: dict) -> set:
    """Keys of ``chains`` ({key: key it is carried from, or None}) that lie on a loop."""
    on_loop = set()
    for start in chains:
        seen, current = set(), start
        while current is not None and current not in seen:
            seen.add(current)
            current = chains.get(current)
        if current == start:
            on_loop.add(start)
    return on_loop


def grant_create(*, municipality, actor, fields: GrantFields) -> Grant:
    """Create a grant of ``municipality`` with ``fields`` and record it in the audit trail.

    Raises ApplicationError (shown on the form) when the window ends before it starts, the
    reference is already taken in the municipality, or ``carried_from`` belongs to another
    municipality."""
    _validate(municipality=municipality, data=fields)
    values = fields.values()
    grant = Grant.objects.create(municipality=municipality, **values)
    audit_log(
        actor=actor,
        action="grant.create",
        obj=grant,
        changes={k: [None, v] for k, v in values.items()},
    )
    return grant


def grant_update(*, grant, actor, fields: GrantFields, version: int) -> Grant:
    """Replace the entered fields of ``grant`` with ``fields``; ``version`` is the version the
    user's form was read at (optimistic locking).

    Raises ApplicationError for the rules of :func:`grant_create`, for a carry-over from itself
    or one that would form a loop (A from B and B from A), and when someone else saved the
    grant since ``version`` was read."""
    _validate(municipality=grant.municipality, data=fields, instance=grant)
    values = fields.values()
    changes = diff(grant, values)
    with transaction.atomic():
        for name, value in values.items():
            setattr(grant, name, value)
        save_versioned(grant, version=version, fields=list(values))
        audit_log(actor=actor, action="grant.update", obj=grant, changes=changes)
    return grant


class GrantImporter(im.Importer):
    """``import_grants`` (interchange.md section 2); natural key (municipality, reference)."""

    columns = [
        im.Column("municipality", required=True, parse=im.municipality_code),
        im.Column("stream", required=True, parse=lambda v: str(v).strip().upper()),
        im.Column("reference", required=True, field=Grant._meta.get_field("reference")),
        im.Column("window_start", parse=im.date),
        im.Column("window_end", parse=im.date),
        im.Column(
            "amount", required=True, parse=_grant_amount, field=Grant._meta.get_field("amount")
        ),
        im.Column(
            "carry_over",
            parse=_grant_amount,
            default=None,
            field=Grant._meta.get_field("carry_over"),
        ),
        im.Column("carried_from", field=Grant._meta.get_field("reference")),
    ]

    def __init__(self, *, municipality=None, actor=None):
        # From the browser the file may only hold rows of the user's own municipality.
        self.only_municipality = municipality
        self.actor = actor

    def clean_row(self, row, line):
        if row["window_start"] and row["window_end"] and row["window_end"] < row["window_start"]:
            raise im.ImportValueError(gettext_lazy("einde ligt voor begin"), column="window_end")
        return row

    def validate_all(self, rows):
        errors = im.duplicate_rows(rows, "municipality", "reference")
        self.municipalities = {
            m.code: m
            for m in Municipality.objects.filter(code__in={r["municipality"] for r in rows})
        }
        self.streams = {s.code: s for s in FundingStream.objects.all()}
        stored = Grant.objects.filter(municipality__in=self.municipalities.values()).values_list(
            "municipality__code", "reference", "carried_from__reference"
        )
        chains = {(code, ref): (code, source) if source else None for code, ref, source in stored}
        existing = set(chains)
        in_file = {(r["municipality"], r["reference"]) for r in rows}
        for r in rows:  # the file's carry-overs replace the stored ones
            key = (r["municipality"], r["reference"])
            chains[key] = (r["municipality"], r["carried_from"]) if r["carried_from"] else None
        loops = _loops(chains)
        for r in rows:
            if r["municipality"] not in self.municipalities:
                errors.append(
                    im.RowError(
                        r["_line"], "municipality", _("onbekende gemeente %s") % r["municipality"]
                    )
                )
            elif self.only_municipality and r["municipality"] != self.only_municipality.code:
                errors.append(
                    im.RowError(
                        r["_line"],
                        "municipality",
                        _("hoort niet bij %s") % self.only_municipality.name,
                    )
                )
            if r["stream"] not in self.streams:
                errors.append(
                    im.RowError(
                        r["_line"], "stream", _("onbekende financieringsstroom %s") % r["stream"]
                    )
                )
            source = r["carried_from"]
            if source and (r["municipality"], source) not in existing | in_file:
                errors.append(
                    im.RowError(r["_line"], "carried_from", _("onbekende beschikking %s") % source)
                )
            if source and source == r["reference"]:
                errors.append(im.RowError(r["_line"], "carried_from", _("verwijst naar zichzelf")))
            elif (r["municipality"], r["reference"]) in loops:
                errors.append(
                    im.RowError(
                        r["_line"],
                        "carried_from",
                        _("de overheveling vormt een kring (A uit B en B uit A)"),
                    )
                )
        return errors

    def save(self, rows):
        created = updated = unchanged = 0
        grants = {}
        for r in rows:  # grants are few: one municipality has a handful per stream
            municipality = self.municipalities[r["municipality"]]
            stream = self.streams[r["stream"]]
            values = {
                "stream": stream,
                "window_start": r["window_start"] or stream.window_start,
                "window_end": r["window_end"] or stream.window_end,
                "amount": r["amount"],
                "carry_over": r["carry_over"] if r["carry_over"] is not None else Decimal("0.00"),
            }
            grant = Grant.objects.filter(
                municipality=municipality, reference=r["reference"]
            ).first()
            if grant is None:
                grant = Grant.objects.create(
                    municipality=municipality, reference=r["reference"], **values
                )
                created += 1
            elif diff(grant, values):
                changes = diff(grant, values)
                for name, value in values.items():
                    setattr(grant, name, value)
                save_versioned(grant, version=grant.version, fields=list(values))
                audit_log(actor=self.actor, action="grant.import", obj=grant, changes=changes)
                updated += 1
            else:
                unchanged += 1
            grants[(r["municipality"], r["reference"])] = grant
        for r in rows:
            grant = grants[(r["municipality"], r["reference"])]
            source = None
            if r["carried_from"]:
                source = grants.get((r["municipality"], r["carried_from"])) or Grant.objects.get(
                    municipality=grant.municipality, reference=r["carried_from"]
                )
            if grant.carried_from_id != (source.pk if source else None):
                Grant.objects.filter(pk=grant.pk).update(carried_from=source)
        for municipality in {g.municipality for g in grants.values()}:
            audit_log(
                actor=self.actor,
                action="grants.import",
                obj=municipality,
                municipality=municipality,
                changes={"rows": [None, len(rows)]},
            )
        return created, updated, unchanged
