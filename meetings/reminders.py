"""The weekly reminder job: each action owner (portal user or external) gets one digest of
their actions due within 7 days or overdue, and each chair a summary of the actions of the
meetings they chair. One e-mail per recipient, kind and ISO week: the :class:`SentDigest` row
is written in the same transaction that sends, under a unique constraint, so a second run of
the job (beat firing twice, a task redelivered after a worker died) sends nothing new."""

import datetime
import logging
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from . import links
from .models import ActionItem, ReminderOptOut, SentDigest

logger = logging.getLogger(__name__)

DUE_WITHIN_DAYS = 7


def due_actions(today: datetime.date):
    """Open actions due within a week or overdue, across all tenants (callers disable scopes)."""
    return (
        ActionItem.objects.due_within(DUE_WITHIN_DAYS, today=today)
        .select_related("owner_user", "meeting", "meeting__chair", "municipality", "region")
        .order_by("due_date", "id")
    )


def _action_url(action) -> str:
    """Portal users open the action in the portal; external owners get their signed link."""
    if action.owner_user_id:
        return links.absolute(action.get_absolute_url())
    if action.owner_email:
        return links.action_link(action)
    return ""


def _send_once(
    *, recipient: str, kind: str, today: datetime.date, subject: str, template: str, context: dict
) -> bool:
    iso_year, iso_week, _ = today.isocalendar()
    try:
        with transaction.atomic():
            SentDigest.objects.create(
                recipient=recipient,
                kind=kind,
                iso_year=iso_year,
                iso_week=iso_week,
                action_count=len(context["actions"]),
            )
            with translation.override(settings.LANGUAGE_CODE):
                context = {**context, "today": today, "iso_week": iso_week, "iso_year": iso_year}
                body = render_to_string(f"meetings/email/{template}.txt", context)
                html = render_to_string(f"meetings/email/{template}.html", context)
            message = EmailMultiAlternatives(subject, body, to=[recipient])
            message.attach_alternative(html, "text/html")
            if context.get("unsubscribe_url"):
                message.extra_headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
            # Sending inside the transaction: if the mail server refuses, the row rolls back
            # and the next run tries again.
            message.send()
    except IntegrityError:
        return False
    return True


def reminders_send_weekly(*, today: datetime.date | None = None) -> dict:
    """Send this ISO week's digests that were not sent yet. Returns counts per kind.

    Spans every municipality and region, so it runs with scopes disabled, on purpose."""
    with scopes_disabled():
        return _send_weekly(today or timezone.localdate())


def _send_weekly(today: datetime.date) -> dict:
    actions = list(due_actions(today))
    opted_out = set(ReminderOptOut.objects.values_list("email", flat=True))
    by_owner, by_chair = defaultdict(list), defaultdict(list)
    for action in actions:
        action.link = _action_url(action)
        address = action.owner_address
        if address and not (action.is_external and address in opted_out):
            by_owner[address].append(action)
        chair = action.meeting.chair
        if chair is not None and chair.email:
            by_chair[chair.email.lower()].append(action)

    result = {"owner": 0, "chair": 0, "skipped": 0}
    with translation.override(settings.LANGUAGE_CODE):
        from django.utils.translation import gettext as _

        for address, owned in sorted(by_owner.items()):
            external = all(a.is_external for a in owned)
            sent = _send_once(
                recipient=address,
                kind=SentDigest.Kind.OWNER,
                today=today,
                subject=_("Uw actiepunten: %(n)d deze week of te laat") % {"n": len(owned)},
                template="owner_digest",
                context={
                    "actions": owned,
                    "overdue": [a for a in owned if a.due_date < today],
                    "unsubscribe_url": links.unsubscribe_link(address) if external else "",
                },
            )
            result["owner" if sent else "skipped"] += 1
        for address, chaired in sorted(by_chair.items()):
            sent = _send_once(
                recipient=address,
                kind=SentDigest.Kind.CHAIR,
                today=today,
                subject=_("Samenvatting actiepunten: %(n)d deze week of te laat")
                % {"n": len(chaired)},
                template="chair_summary",
                context={"actions": chaired, "overdue": [a for a in chaired if a.due_date < today]},
            )
            result["chair" if sent else "skipped"] += 1
    logger.info("meeting reminders %s: %s", today.isoformat(), result)
    return result


def reminder_optout(*, email: str) -> ReminderOptOut:
    """Stop reminders to an external owner's address (from the signed link in a reminder)."""
    optout, _ = ReminderOptOut.objects.get_or_create(email=email.lower())
    return optout
