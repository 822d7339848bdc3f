"""Tenant-free pages behind signed links, for people without an account (an external action
owner, a reminder recipient unsubscribing). A security boundary: nothing here reads a tenant
from the URL or the session; every object comes from a verified token."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_scopes import scopes_disabled

from portal.exceptions import ApplicationError

from .. import links, services
from ..forms import (
    ProgressForm,
)
from ..reminders import reminder_optout

# --- tenant-free: signed links for people without an account ---------------------------------


@never_cache
def action_external(request, token):
    """An external owner's personal link: their one action, status and a progress note."""
    try:
        action = links.action_from_token(token)
    except ApplicationError as error:
        return render(request, "meetings/link_invalid.html", {"message": error.message}, status=403)
    form = ProgressForm(request.POST or None, initial={"status": action.status})
    if request.method == "POST" and form.is_valid():
        try:
            with scopes_disabled():
                services.action_progress(
                    actor=None, action=action, author_name=action.owner_display, **form.cleaned_data
                )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Dank u, de voortgang is opgeslagen."))
            return redirect(request.path)
    with scopes_disabled():
        notes = list(action.notes.select_related("author")[:20])
    return render(
        request,
        "meetings/action_external.html",
        {"action": action, "form": form, "notes": notes, "today": timezone.localdate()},
        status=400 if request.method == "POST" else 200,
    )


@never_cache
def reminders_unsubscribe(request, token):
    """The signed unsubscribe link of the reminder e-mails (confirm with a POST, so that mail
    scanners following links do not unsubscribe anyone)."""

    try:
        email = links.email_from_unsubscribe_token(token)
    except ApplicationError as error:
        return render(request, "meetings/link_invalid.html", {"message": error.message}, status=403)
    done = False
    if request.method == "POST":
        reminder_optout(email=email)
        done = True
    return render(request, "meetings/reminders_unsubscribe.html", {"email": email, "done": done})
