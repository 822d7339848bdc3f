"""Signed links for people outside the portal (django.core.signing, no database row).

- An external action owner's link opens that one action for a status and a progress note. It
  carries the action's id *and* the owner's address, so it stops working when the action gets
  another owner, and it expires after ``MEETINGS_ACTION_LINK_MAX_AGE_DAYS``.
- The unsubscribe link in reminders carries the address only.

A tampered link fails the signature check; an old one fails ``max_age``.
"""

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from portal.exceptions import ApplicationError

from .models import ActionItem

ACTION_SALT = "meetings.action-owner"
UNSUBSCRIBE_SALT = "meetings.unsubscribe"


def _max_age(setting, default_days):
    return datetime.timedelta(days=getattr(settings, setting, default_days))


def absolute(path: str) -> str:
    return getattr(settings, "PORTAL_BASE_URL", "http://localhost:8000").rstrip("/") + path


def action_token(action) -> str:
    return signing.dumps(
        {"a": action.pk, "e": action.owner_email.lower()}, salt=ACTION_SALT, compress=True
    )


def action_link(action) -> str:
    return absolute(reverse("meetings:action_external", kwargs={"token": action_token(action)}))


def action_from_token(token: str):
    """The action a link was made for, or ApplicationError saying why the link is refused."""

    try:
        payload = signing.loads(
            token, salt=ACTION_SALT, max_age=_max_age("MEETINGS_ACTION_LINK_MAX_AGE_DAYS", 30)
        )
    except signing.SignatureExpired:
        raise ApplicationError(
            _("Deze link is verlopen. Vraag de voorzitter om een nieuwe.")
        ) from None
    except signing.BadSignature:
        raise ApplicationError(_("Deze link is ongeldig.")) from None
    with scopes_disabled():
        action = (
            ActionItem.objects.select_related("meeting", "municipality", "region")
            .filter(pk=payload.get("a"), owner_user__isnull=True)
            .first()
        )
    if action is None or not action.owner_email or action.owner_email.lower() != payload.get("e"):
        raise ApplicationError(_("Deze link is niet (meer) geldig voor dit actiepunt."))
    return action


def unsubscribe_token(email: str) -> str:
    return signing.dumps(email.lower(), salt=UNSUBSCRIBE_SALT)


def unsubscribe_link(email: str) -> str:
    return absolute(
        reverse("meetings:reminders_unsubscribe", kwargs={"token": unsubscribe_token(email)})
    )


def email_from_unsubscribe_token(token: str) -> str:
    try:
        return signing.loads(
            token, salt=UNSUBSCRIBE_SALT, max_age=_max_age("MEETINGS_UNSUBSCRIBE_MAX_AGE_DAYS", 365)
        )
    except signing.SignatureExpired:
        raise ApplicationError(
            _("Deze afmeldlink is verlopen; gebruik de link uit een recentere herinnering.")
        ) from None
    except signing.BadSignature:
        raise ApplicationError(_("Deze afmeldlink is ongeldig.")) from None
