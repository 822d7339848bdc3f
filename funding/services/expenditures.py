"""Expenditures (bestedingen): create, change and sign off one line. The bulk import is in
:mod:`.expenditure_import`."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_log, diff
from portal.exceptions import ApplicationError
from portal.records import RecordFields
from schools.models import School

from ..models import Activity, Expenditure, Grant, normalise_key
from ..reports.locks import assert_lines_unlocked
from .common import save_versioned


@dataclass(frozen=True, kw_only=True)
class ExpenditureFields(RecordFields):
    """One expenditure line (besteding) as entered on its form: the input of
    :func:`expenditure_create` and :func:`expenditure_update`, the same columns as a line of
    the finance export (interchange.md section 4). ``amount`` in euro (Decimal, 2 places; a
    credit is negative); ``date`` the booking date, which decides the period lock;
    ``depreciation_months`` a whole number of months or None (checks.md F6); ``grant``,
    ``activity`` and ``school`` belong to the line's municipality."""

    decimals: ClassVar = ("amount",)  # euro
    dates: ClassVar = ("date",)

    booking_id: str
    grant: Grant
    date: datetime.date
    amount: Decimal
    supplier: str
    invoice_number: str = ""
    description: str = ""
    activity: Activity | None = None
    school: School | None = None
    cost_category: str = Expenditure.CostCategory.OVERIG
    depreciation_months: int | None = None
    new_construction: bool = False


EXPENDITURE_FIELDS = ExpenditureFields.names()


def _validate(*, municipality, data: ExpenditureFields, instance=None):
    grant = data.grant
    if grant.municipality_id != municipality.pk:
        raise ApplicationError(_("De beschikking hoort bij een andere gemeente."))
    for obj in (data.activity, data.school):
        if obj is not None and obj.municipality_id != municipality.pk:
            raise ApplicationError(
                _("De gekozen %s hoort bij een andere gemeente.") % obj._meta.verbose_name
            )
    same = Expenditure.objects.filter(municipality=municipality, booking_id=data.booking_id)
    if instance is not None:
        same = same.exclude(pk=instance.pk)
    if same.exists():
        raise ApplicationError(_("Er is al een besteding met boekingsnummer %s.") % data.booking_id)


def _keys(expenditure):
    expenditure.supplier_key = normalise_key(expenditure.supplier)
    expenditure.invoice_key = normalise_key(expenditure.invoice_number)


def expenditure_create(*, municipality, actor, fields: ExpenditureFields) -> Expenditure:
    """Enter one expenditure line of ``municipality`` by hand (the finance export is the usual
    route) and record it in the audit trail.

    Raises ApplicationError when the grant, activity or school belongs to another
    municipality, the booking number is taken, or the line's year is locked for its stream
    (product.md capability 12, period locking)."""
    _validate(municipality=municipality, data=fields)
    assert_lines_unlocked(municipality=municipality, lines=[(fields.grant.stream_id, fields.date)])
    values = fields.values()
    expenditure = Expenditure(municipality=municipality, **values)
    _keys(expenditure)
    expenditure.save()
    audit_log(
        actor=actor,
        action="expenditure.create",
        obj=expenditure,
        changes={k: [None, v] for k, v in values.items()},
    )
    return expenditure


# What an accountant's sign-off (F6) is about; changing any of these voids it.
SIGNED_OFF_FIELDS = ("amount", "date", "grant", "depreciation_months")


def expenditure_update(
    *, expenditure, actor, fields: ExpenditureFields, version: int
) -> Expenditure:
    """Replace the entered fields of ``expenditure`` with ``fields``; ``version`` is the
    version the user's form was read at (optimistic locking). A change of what an
    accountant signed off (SIGNED_OFF_FIELDS) voids the sign-off (checks.md F6, review S6).

    Raises ApplicationError for the rules of :func:`expenditure_create`, when the old or the
    new date lies in a locked year, and when someone else saved the line since ``version``."""
    municipality = expenditure.municipality
    _validate(municipality=municipality, data=fields, instance=expenditure)
    old = (expenditure.grant.stream_id, expenditure.date)
    new = (fields.grant.stream_id, fields.date)
    assert_lines_unlocked(municipality=municipality, lines=[old, new])
    values = fields.values()
    changes = diff(expenditure, values)
    # A sign-off approves what the accountant saw: it lapses when what it is about changes.
    lapses = expenditure.signed_off_at and any(name in changes for name in SIGNED_OFF_FIELDS)
    if lapses:
        changes["signed_off_by"] = [str(expenditure.signed_off_by), None]
        changes["signed_off_at"] = [expenditure.signed_off_at.isoformat(), None]
    with transaction.atomic():
        for name, value in values.items():
            setattr(expenditure, name, value)
        _keys(expenditure)
        names = [*values, "supplier_key", "invoice_key"]
        if lapses:
            expenditure.signed_off_by = expenditure.signed_off_at = None
            names += ["signed_off_by", "signed_off_at"]
        save_versioned(expenditure, version=version, fields=names)
        audit_log(actor=actor, action="expenditure.update", obj=expenditure, changes=changes)
    return expenditure


def expenditure_sign_off(
    *, expenditure, actor, version: int | None = None, note: str = ""
) -> Expenditure:
    """The accountant signs off a line whose depreciation runs past the window (F6).
    ``note``: the accountant's optional remark, kept as the audit event's reason."""
    if expenditure.signed_off_at:
        raise ApplicationError(_("Deze besteding is al afgetekend."))
    assert_lines_unlocked(
        municipality=expenditure.municipality,
        lines=[(expenditure.grant.stream_id, expenditure.date)],
    )
    expenditure.signed_off_by = actor
    expenditure.signed_off_at = timezone.now()
    save_versioned(
        expenditure,
        version=expenditure.version if version is None else version,
        fields=["signed_off_by", "signed_off_at"],
    )
    audit_log(
        actor=actor,
        action="expenditure.sign_off",
        obj=expenditure,
        changes={
            "signed_off_by": [None, str(actor)],
            "signed_off_at": [None, expenditure.signed_off_at],
        },
        reason=note,
    )
    return expenditure
