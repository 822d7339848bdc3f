"""Writes of the meetings app: keyword-only ``<entity>_<action>`` functions that validate, write
the audit trail and raise :class:`portal.exceptions.ApplicationError` for a broken rule.

Split along its seams (issue 9 §5): ``meetings`` (series, standing items, meetings,
participants, attachments, sending), ``agenda`` (agenda items, decisions) and ``actions``
(action items and their review). Re-exported here: ``meetings.services.X`` is the import path.
"""

from .actions import (
    action_create,
    action_progress,
    action_update,
    actions_bulk_status,
    reviews_record,
)
from .agenda import agenda_item_delete, agenda_item_save, decision_create
from .meetings import (
    ALLOWED_ATTACHMENT_EXTENSIONS,
    MAX_ATTACHMENT_BYTES,
    actions_carry_over,
    attachment_add,
    meeting_create,
    meeting_document_send,
    meeting_recipients,
    meeting_update,
    participant_add,
    participant_remove,
    series_create,
    standing_item_add,
    standing_item_remove,
)

__all__ = [
    "ALLOWED_ATTACHMENT_EXTENSIONS",
    "MAX_ATTACHMENT_BYTES",
    "action_create",
    "action_progress",
    "action_update",
    "actions_bulk_status",
    "actions_carry_over",
    "agenda_item_delete",
    "agenda_item_save",
    "attachment_add",
    "decision_create",
    "meeting_create",
    "meeting_document_send",
    "meeting_recipients",
    "meeting_update",
    "participant_add",
    "participant_remove",
    "reviews_record",
    "series_create",
    "standing_item_add",
    "standing_item_remove",
]
