"""Action items: create, update, progress, status (one or in bulk) and the review of open
actions in the next meeting."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_log, diff
from portal.exceptions import ApplicationError

from ..models import (
    ActionItem,
    ActionReview,
    Meeting,
    ProgressNote,
)
from .common import check_fields, set_fields

# --- action items ----------------------------------------------------------------------------


def _validate_owner(*, owner_user, owner_name: str, owner_organisation: str) -> None:
    """Raise ApplicationError unless the action has an owner: a portal user, or a name or an
    organisation (an external owner, reached through a signed link)."""
    if not owner_user and not (owner_name or owner_organisation):
        raise ApplicationError(
            _("Een actiepunt heeft een eigenaar: een gebruiker, of een naam of organisatie.")
        )


def _owner_fields(fields: dict) -> dict:
    """``fields`` checked for an owner (:func:`_validate_owner`); a portal user as owner clears
    the e-mail field: one owner, and the user's own address receives the reminders."""
    _validate_owner(
        owner_user=fields.get("owner_user"),
        owner_name=fields.get("owner_name") or "",
        owner_organisation=fields.get("owner_organisation") or "",
    )
    if fields.get("owner_user"):
        return {**fields, "owner_email": ""}
    return dict(fields)


def action_create(
    *, actor, meeting: Meeting, schools=None, activities=None, **fields
) -> ActionItem:
    """Record an action agreed in ``meeting`` (on one of its agenda items).

    ``fields`` are ActionItem fields by name: ``description`` (required), an owner
    (``owner_user``, or ``owner_name``/``owner_organisation``), ``due_date``, ``status``,
    ``theme``, ``agenda_item`` (of this meeting) ... Raises ApplicationError for a broken rule,
    TypeError for a name that is not an ActionItem field."""
    check_fields(ActionItem, fields)
    if not (fields.get("description") or "").strip():
        raise ApplicationError(_("Beschrijf het actiepunt."))
    data = _owner_fields(fields)
    agenda_item = data.get("agenda_item")
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise ApplicationError(_("Het agendapunt hoort bij een ander overleg."))
    action = ActionItem(meeting=meeting, municipality=meeting.municipality, region=meeting.region)
    set_fields(action, data)
    if not action.is_open:
        action.closed_at = timezone.now()
    action.save()
    if schools is not None:
        action.schools.set(schools)
    if activities is not None:
        action.activities.set(activities)
    if meeting.series_id and action.is_open:
        # The next meeting is often planned before this one's actions are recorded: put the
        # new action in the review block of the series' later, still planned meetings too.
        later = Meeting.objects.filter(
            series_id=meeting.series_id,
            starts_at__gt=meeting.starts_at,
            status=Meeting.Status.PLANNED,
        ).values_list("pk", flat=True)
        ActionReview.objects.bulk_create(
            [ActionReview(meeting_id=pk, action=action) for pk in later]
        )
    audit_log(
        actor=actor,
        action="action.create",
        obj=action,
        municipality=meeting.municipality,
        changes={
            "description": [None, action.description],
            "owner": [None, action.owner_display],
            "due_date": [None, action.due_date],
        },
    )
    return action


def _apply_status(action: ActionItem, status: str):
    if status not in ActionItem.Status.values:
        raise ApplicationError(_("Onbekende status."))
    action.status = status
    if status in ActionItem.OPEN_STATUSES:
        action.closed_at = None
    elif action.closed_at is None:
        action.closed_at = timezone.now()


def _change_status(action: ActionItem, status: str, *, actor, audit_action: str, reason: str = ""):
    """Set and save a new status, with its audit event (bulk update and meeting review)."""
    changes = diff(action, {"status": status})
    _apply_status(action, status)
    action.save(update_fields=["status", "closed_at", "updated_at"])
    audit_log(
        actor=actor,
        action=audit_action,
        obj=action,
        municipality=action.municipality,
        changes=changes,
        reason=reason,
    )


def action_update(
    *, actor, action: ActionItem, schools=None, activities=None, **fields
) -> ActionItem:
    """Change an action's description, owner, due date, status, theme or links; ``fields`` as
    for :func:`action_create`. Raises ApplicationError without an owner, TypeError for a name
    that is not an ActionItem field."""
    check_fields(ActionItem, fields)
    data = _owner_fields(fields)
    status = data.pop("status", action.status)
    changes = diff(action, {**data, "status": status})
    set_fields(action, data)
    _apply_status(action, status)
    action.save()
    if schools is not None:
        action.schools.set(schools)
    if activities is not None:
        action.activities.set(activities)
    if changes:
        audit_log(
            actor=actor,
            action="action.update",
            obj=action,
            municipality=action.municipality,
            changes=changes,
        )
    return action


def action_progress(
    *, actor=None, action: ActionItem, status: str = "", note: str = "", author_name: str = ""
) -> ProgressNote | None:
    """What an owner may do: set the status and add a dated progress note. ``actor`` is None
    for an external owner using their signed link (``author_name`` says who)."""
    note = (note or "").strip()
    status = status or action.status
    if status == action.status and not note:
        raise ApplicationError(_("Kies een andere status of schrijf een notitie."))
    changes = diff(action, {"status": status})
    _apply_status(action, status)
    action.save(update_fields=["status", "closed_at", "updated_at"])
    entry = ProgressNote.objects.create(
        action=action,
        author=actor if getattr(actor, "is_authenticated", False) else None,
        author_name=author_name if not getattr(actor, "is_authenticated", False) else "",
        text=note or _("Status gewijzigd in %(status)s.") % {"status": action.get_status_display()},
        status=status if changes else "",
    )
    audit_log(
        actor=actor,
        action="action.progress",
        obj=action,
        municipality=action.municipality,
        changes=changes,
        reason=note or (f"{_('via persoonlijke link')}: {author_name}" if author_name else ""),
    )
    return entry


def actions_bulk_status(*, actor, actions, status: str) -> int:
    """Give many actions (of one tenant, already permission-filtered) the same status."""
    if status not in ActionItem.Status.values:
        raise ApplicationError(_("Kies een geldige status."))
    count = 0
    with transaction.atomic():
        for action in actions:
            if action.status == status:
                continue
            _change_status(
                action,
                status,
                actor=actor,
                audit_action="action.update",
                reason=_("bulkwijziging vanuit de actielijst"),
            )
            count += 1
    return count


@transaction.atomic
def reviews_record(*, actor, meeting: Meeting, entries: list[tuple[ActionReview, str, str]]) -> int:
    """During a meeting the chair records per carried-over action a status and a note; the
    action itself takes the recorded status, and the note joins its progress notes."""
    changed = 0
    now = timezone.now()
    for review, status, note in entries:
        if review.meeting_id != meeting.pk:
            raise ApplicationError(_("Dit actiepunt staat niet op de agenda van dit overleg."))
        note = (note or "").strip()
        if not status and not note:
            continue
        if (status, note) == (review.status, review.note):
            continue
        review.status, review.note, review.recorded_by, review.recorded_at = (
            status,
            note,
            actor,
            now,
        )
        review.save()
        action = review.action
        if status and status != action.status:
            _change_status(action, status, actor=actor, audit_action="action.review", reason=note)
        ProgressNote.objects.create(
            action=action,
            author=actor,
            status=status if status else "",
            text=note or _("Besproken in %(meeting)s.") % {"meeting": meeting},
        )
        changed += 1
    return changed
