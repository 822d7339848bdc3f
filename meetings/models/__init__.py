"""LEA/OOGO meetings, agendas, decisions and action items followed up across meetings.

A meeting belongs to a municipality (LEA, OOGO) or to a region (kenniskring, G4, werksessie);
exactly one of the two is set. Meetings of a :class:`MeetingSeries` share standing agenda
items, and the open actions of a series are carried into the next meeting as a review block
(:class:`ActionReview`), where the chair records a status and a note per action.

Tenant isolation: django-scopes' ``ScopedManager`` filters on one field, but a regional meeting
has no municipality. :class:`TenantManager` therefore keeps the same fail-closed contract (no
scope active => ``ScopeError``) and, inside a scope of municipalities, yields the records of
those municipalities and of the regions that hold them. Selectors then narrow to the one
tenant of the page.

Split along its seams (issue 9 §5): ``base`` (tenant manager, tenant fields, choices),
``meetings`` (series, meetings, participants, agenda, decisions, attachments), ``actions``
(action items, reviews, progress notes) and ``mail`` (sent documents, digests, opt-outs). The
names are re-exported here, so ``meetings.models.X`` stays the one import path.
"""

from .actions import ActionItem, ActionItemQuerySet, ActionReview, ProgressNote
from .base import (
    MONEY,
    MeetingType,
    OrganisationType,
    TenantFields,
    TenantManager,
    meetings_reverse,
    one_tenant,
    tenant_manager,
)
from .mail import ReminderOptOut, SentDigest, SentDocument, sent_document_path
from .meetings import (
    AgendaItem,
    Attachment,
    Decision,
    Meeting,
    MeetingSeries,
    Participant,
    StandingItem,
    attachment_path,
)

__all__ = [
    "MONEY",
    "ActionItem",
    "ActionItemQuerySet",
    "ActionReview",
    "AgendaItem",
    "Attachment",
    "Decision",
    "Meeting",
    "MeetingSeries",
    "MeetingType",
    "OrganisationType",
    "Participant",
    "ProgressNote",
    "ReminderOptOut",
    "SentDigest",
    "SentDocument",
    "StandingItem",
    "TenantFields",
    "TenantManager",
    "attachment_path",
    "meetings_reverse",
    "one_tenant",
    "sent_document_path",
    "tenant_manager",
]
