"""Findings that follow the data (issue 10 §3): after every write that can change findings the
municipality's checks run again in the background, one run at a time per municipality, a burst
of writes coalesced into one run; a finding that stops being derived because someone acted on it
(the accountant's sign-off of an F6 line) shows as resolved with who and when.

The hook is the audit trail: every write service of the portal records an ``AuditEvent``
(portal.audit), imports included (the command-line ones too), so listening to new events
(``post_save``, connected in ``FundingConfig.ready``) catches every write without each service
having to remember it. Funding streams are data edited in the admin, outside the services: a
change to one re-runs the checks of every municipality using it (``on_stream_change``).

Coalescing: the first write queues an automatic ``CheckRun`` that starts after
``PORTAL_CHECKS_REFRESH_DELAY`` seconds (default 10); later writes find that run still queued and
add nothing, because it will read their data when it starts. Serialising: a queued automatic
run that finds another run of the municipality running waits and tries again, so runs of one
municipality never overlap. The findings list is thus at most the delay plus one run old.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from portal.audit import audit_log
from portal.jobs import enqueue
from portal.models import Municipality

from .models import CheckRun, Expenditure, Finding, FundingLine, Grant
from .services.checks import (
    change_record,
    change_record_everywhere,
    check_run_execute,
    finding_key,
)

logger = logging.getLogger(__name__)

# Audit actions whose writes can change what the checks derive (lines, grants, activities and
# their funding, schools, scans and their needs).
REFRESHING_ACTIONS = frozenset(
    {
        "expenditure.create",
        "expenditure.update",
        "expenditure.sign_off",
        "expenditures.import",
        "grant.create",
        "grant.update",
        "grant.import",
        "grants.import",
        "activity.create",
        "activity.update",
        "activities.import",
        "school.update",
        "schools.import",
        "scan.submit",
        "scan.review",
        "scan.return",
        "scan.needs_update",
        "scan.intervention_save",
        "scan.intervention_delete",
        "needs.import",
    }
)
# A queued or running run older than this was lost with its worker; it no longer counts.
STALE = dt.timedelta(minutes=15)
# A run that finds another one running tries again after this many seconds.
RETRY_SECONDS = 5
TASK = "funding.tasks.run_checks_auto"


def refresh_delay() -> int:
    """Seconds a queued automatic run waits for more writes to coalesce."""
    return getattr(settings, "PORTAL_CHECKS_REFRESH_DELAY", 10)


def on_stream_change(sender, instance, created=False, raw=False, **kwargs):
    """``post_save``/``post_delete`` receiver of ``FundingStream`` (edited in the admin, not
    audited): its window, eligible sectors, housing rule and carry-over cap feed F3, F4, F6, F7
    and F8. Every municipality's next incremental run re-derives all rules, and every
    municipality with a grant of the stream or planned funding from it gets a re-run once the
    change has committed. A new stream has neither: nothing runs."""
    if raw:
        return
    with scopes_disabled():
        change_record_everywhere(action="stream.change")
        if created:
            return
        ids = set(
            Grant.objects.filter(stream=instance).values_list("municipality_id", flat=True)
        ) | set(
            FundingLine.objects.filter(stream=instance).values_list(
                "activity__municipality_id", flat=True
            )
        )
    for municipality_id in sorted(ids):
        transaction.on_commit(
            lambda municipality_id=municipality_id: checks_refresh_soon(
                municipality_id=municipality_id
            )
        )


def on_audit_event(sender, instance, created, **kwargs):
    """``post_save`` receiver of ``AuditEvent``: resolve what a sign-off settled, and queue a
    re-run of the checks once the write has committed."""
    if not created or not instance.municipality_id or instance.action not in REFRESHING_ACTIONS:
        return
    if _wrote_nothing(instance):
        return
    # The incremental run re-derives the rules this write can change (issue 14 §2); recorded
    # in the write's transaction, so it exists exactly when the write does.
    change_record(municipality_id=instance.municipality_id, action=instance.action)
    if instance.action == "expenditure.sign_off":
        resolve_signed_off(expenditure_id=instance.object_id)
    municipality_id = instance.municipality_id
    transaction.on_commit(lambda: checks_refresh_soon(municipality_id=municipality_id))


def _wrote_nothing(event) -> bool:
    """An import whose audit entry counts the rows it wrote (``{"created": [None, 0],
    "updated": [None, 0]}``) and wrote none: an unchanged re-import. There is nothing for the
    checks to re-derive, so it queues no run (the entry stays in the audit trail)."""
    if not event.action.endswith(".import") or not event.changes:
        return False
    counts = [change[1] for key, change in event.changes.items() if key in ("created", "updated")]
    return len(counts) == len(event.changes) and not any(counts)


def resolve_signed_off(*, expenditure_id) -> int:
    """The accountant signed off a line: its open F6 finding is resolved by that act, with the
    accountant and the time of the sign-off as who and when (audited). Returns the number of
    findings resolved (0 or 1)."""
    with scopes_disabled():
        line = (
            Expenditure.objects.filter(pk=expenditure_id, signed_off_at__isnull=False)
            .select_related("signed_off_by")
            .first()
        )
        if line is None:
            return 0
        finding = Finding.objects.filter(
            municipality_id=line.municipality_id,
            key=finding_key("F6", [f"booking:{line.booking_id}"]),
            status=Finding.Status.OPEN,
        ).first()
        if finding is None:
            return 0
        finding.status = Finding.Status.RESOLVED
        finding.reason = _("Afgetekend door de accountant.")
        finding.reviewed_by = line.signed_off_by
        finding.reviewed_at = line.signed_off_at
        finding.save(update_fields=["status", "reason", "reviewed_by", "reviewed_at"])
        audit_log(
            actor=line.signed_off_by,
            action="finding.resolved",
            obj=finding,
            changes={"status": [Finding.Status.OPEN, Finding.Status.RESOLVED]},
            reason=finding.reason,
        )
    return 1


def checks_refresh_soon(*, municipality_id: int) -> CheckRun:
    """Queue an automatic run for the municipality unless one is queued already (that one will
    see this write: it has not started reading). Returns the run that will pick the write up."""
    with scopes_disabled(), transaction.atomic():
        # The municipality row is the per-municipality lock: two writers cannot both queue.
        Municipality.objects.select_for_update().filter(pk=municipality_id).first()
        queued = (
            CheckRun.objects.filter(
                municipality_id=municipality_id,
                status=CheckRun.Status.QUEUED,
                created_at__gte=timezone.now() - STALE,
            )
            .order_by("created_at")
            .first()
        )
        if queued is not None:
            return queued
        run = CheckRun.objects.create(
            municipality_id=municipality_id, trigger=CheckRun.Trigger.AUTO
        )
        transaction.on_commit(lambda: _start(run, countdown=refresh_delay()))
    return run


def _start(run, *, countdown):
    """Start the automatic run's job (funding.tasks.run_checks_auto) after ``countdown`` s."""
    enqueue(TASK, run.pk, municipality=run.municipality, countdown=countdown)


def _claim(run) -> bool:
    """Mark ``run`` running unless another run of its municipality is running (not stale)."""
    with transaction.atomic():
        Municipality.objects.select_for_update().filter(pk=run.municipality_id).first()
        busy = (
            CheckRun.objects.filter(
                municipality_id=run.municipality_id,
                status=CheckRun.Status.RUNNING,
                started_at__gte=timezone.now() - STALE,
            )
            .exclude(pk=run.pk)
            .exists()
        )
        if busy:
            return False
        CheckRun.objects.filter(pk=run.pk).update(
            status=CheckRun.Status.RUNNING, started_at=timezone.now()
        )
        return True


def auto_run_execute(*, check_run_id) -> CheckRun | None:
    """Run a queued automatic run (the body of funding.tasks.run_checks_auto, in its
    municipality's scope) once no other run of its municipality is running; otherwise try again
    in RETRY_SECONDS (in-process, where nothing runs in parallel, it runs at once)."""
    run = CheckRun.objects.filter(pk=check_run_id).first()
    if run is None or run.finished:
        return run
    if not _claim(run) and not current_app.conf.task_always_eager:
        _start(run, countdown=RETRY_SECONDS)
        return run
    return check_run_execute(check_run_id=run.pk)


def check_state(*, municipality) -> dict:
    """What the findings page says about freshness: ``last`` the latest finished run (done),
    ``pending`` a queued or running run (None if none). Two queries."""
    recent = timezone.now() - STALE
    return {
        "last": CheckRun.objects.filter(municipality=municipality, status=CheckRun.Status.DONE)
        .order_by("-finished_at", "-id")
        .first(),
        "pending": CheckRun.objects.filter(
            municipality=municipality,
            status__in=[CheckRun.Status.QUEUED, CheckRun.Status.RUNNING],
            created_at__gte=recent,
        )
        .order_by("-created_at", "-id")
        .first(),
    }


def recently_resolved(*, municipality, days: int = 30):
    """Findings no longer derived that someone resolved or justified in the last ``days`` days
    (a sign-off, a review): kept with who and when, so the page can show them as settled
    instead of letting them vanish."""
    return (
        Finding.objects.filter(
            municipality=municipality,
            active=False,
            status__in=[Finding.Status.RESOLVED, Finding.Status.JUSTIFIED],
            reviewed_at__gte=timezone.now() - dt.timedelta(days=days),
        )
        .select_related("reviewed_by")
        .order_by("-reviewed_at", "-id")
    )
