"""Agenda items and decisions of a meeting."""

from django.utils.translation import gettext as _

from portal.audit import audit_log, diff
from portal.exceptions import ApplicationError

from ..models import (
    AgendaItem,
    Decision,
    Meeting,
)
from .common import check_fields, set_fields

# --- agenda and decisions --------------------------------------------------------------------


def agenda_item_save(
    *,
    actor,
    meeting: Meeting,
    item: AgendaItem | None = None,
    schools=None,
    activities=None,
    grants=None,
    **fields,
) -> AgendaItem:
    """Create or change an agenda item and the schools, activities and grants it concerns
    (``None``: leave that link as it is, for users who may not pick from that list).

    ``fields`` are AgendaItem fields by name (``title`` required; ``order`` None or missing:
    a new item goes last, an existing one stays). Raises ApplicationError without a title,
    TypeError for a name that is not an AgendaItem field."""
    check_fields(AgendaItem, fields)
    data = fields
    if not (data.get("title") or "").strip():
        raise ApplicationError(_("Geef het agendapunt een titel."))
    created = item is None
    if created:
        item = AgendaItem(meeting=meeting)
    if data.get("order") is None:
        # No position given: a new item goes last, an existing one stays where it is.
        last = meeting.agenda_items.order_by("-order").first()
        data = {**data, "order": item.order if not created else ((last.order + 10) if last else 10)}
    changes = diff(item, data)
    set_fields(item, data)
    item.save()
    for relation, values in (("schools", schools), ("activities", activities), ("grants", grants)):
        if values is not None:
            getattr(item, relation).set(values)
    audit_log(
        actor=actor,
        action="agenda_item.create" if created else "agenda_item.update",
        obj=item,
        municipality=meeting.municipality,
        changes=changes,
    )
    return item


def agenda_item_delete(*, actor, item: AgendaItem) -> None:
    """Remove an agenda item that has no decisions or actions yet."""
    if item.decisions.exists() or item.actions.exists():
        raise ApplicationError(
            _("Dit agendapunt heeft besluiten of actiepunten en blijft daarom staan.")
        )
    audit_log(
        actor=actor,
        action="agenda_item.delete",
        obj=item,
        municipality=item.meeting.municipality,
        changes={"title": [item.title, None]},
    )
    item.delete()


def decision_create(
    *, actor, agenda_item: AgendaItem, text: str, amount=None, activity=None, grant=None
) -> Decision:
    """Record a decision on an agenda item, optionally committing money to an activity or grant."""
    if not text.strip():
        raise ApplicationError(_("Beschrijf het besluit."))
    if amount is not None and amount < 0:
        raise ApplicationError(_("Een bedrag kan niet negatief zijn."))
    decision = Decision.objects.create(
        agenda_item=agenda_item, text=text.strip(), amount=amount, activity=activity, grant=grant
    )
    audit_log(
        actor=actor,
        action="decision.create",
        obj=decision,
        municipality=agenda_item.meeting.municipality,
        changes={"text": [None, decision.text], "amount": [None, amount]},
    )
    return decision
