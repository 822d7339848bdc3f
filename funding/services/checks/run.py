"""A check run: every rule for one municipality, the derived findings reconciled with the
stored ones by ``key``; the queued run (CheckRun) and the review of a finding."""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope

from portal.audit import audit_log
from portal.exceptions import ApplicationError
from portal.jobs import enqueue
from portal.models import Municipality

from ...models import CheckChange, CheckRun, CheckState, Finding
from .base import RULES, CheckResult, Derived
from .changes import EVERYTHING, REACH, RULES_VERSION, changes_pending, needs_full_run
from .financial import rule_f1, rule_f2, rule_f3, rule_f4, rule_f5, rule_f6, rule_f7, rule_f8
from .programme import reach_rebuild, rule_g1, rule_p1

logger = logging.getLogger(__name__)


RULE_FUNCTIONS = {
    "F1": rule_f1,
    "F2": rule_f2,
    "F3": rule_f3,
    "F4": rule_f4,
    "F5": rule_f5,
    "F6": rule_f6,
    "F7": rule_f7,
    "F8": rule_f8,
    "P1": rule_p1,
    "G1": rule_g1,
}


# --- the run -----------------------------------------------------------------------------------


@dataclass
class _Stored:
    pk: int
    key: str
    status: str
    fingerprint: str
    active: bool


def _store(municipality, derived: list[Derived], result: CheckResult, rules):
    """Reconcile derived findings of ``rules`` with the stored ones of those rules (see the
    module docstring); findings of other rules are left alone. Only new and changed findings
    are written (``last_seen`` is the time a run last wrote the finding), so a re-run over
    unchanged data is a few statements and does not bloat the table."""
    now = timezone.now()
    by_key = {d.key: d for d in derived}
    # Plain rows, not model instances: a municipality may hold tens of thousands of findings.
    # The fingerprint covers the data the message and amount are made from, so a finding with
    # the same fingerprint that is still active needs no write at all.
    stored = {
        row[1]: _Stored(*row)
        for row in Finding.objects.filter(
            municipality=municipality, rule__in=sorted(rules)
        ).values_list("pk", "key", "status", "fingerprint", "active")
    }
    fields = [
        "severity",
        "subjects",
        "school_id",
        "theme",
        "amount",
        "message",
        "fingerprint",
        "active",
        "status",
        "last_seen",
    ]
    new, changed, reopened = [], [], []
    for key, d in by_key.items():
        values = {
            "severity": d.severity,
            "subjects": d.subjects,
            "school_id": d.school_id,
            "theme": d.theme,
            "amount": d.amount,
            "message": d.message,
            "fingerprint": d.fingerprint,
            "active": True,
        }
        f = stored.get(key)
        if f is None:
            new.append(Finding(municipality=municipality, rule=d.rule, key=key, **values))
            continue
        if f.fingerprint == d.fingerprint and f.active:
            continue
        status = f.status
        if status != Finding.Status.OPEN and f.fingerprint != d.fingerprint:
            status = Finding.Status.OPEN
            reopened.append(f.pk)
        changed.append(
            Finding(
                pk=f.pk,
                municipality=municipality,
                rule=d.rule,
                key=key,
                status=status,
                last_seen=now,
                **values,
            )
        )
    gone = [f for key, f in stored.items() if key not in by_key]
    gone_open = [f.pk for f in gone if f.status == Finding.Status.OPEN]
    gone_reviewed = [f.pk for f in gone if f.status != Finding.Status.OPEN and f.active]
    Finding.objects.bulk_create(new, batch_size=2000)
    Finding.objects.bulk_update(changed, fields, batch_size=500)
    if gone_open:
        Finding.objects.filter(pk__in=gone_open).delete()
    if gone_reviewed:
        Finding.objects.filter(pk__in=gone_reviewed).update(active=False)
    for f in Finding.objects.filter(pk__in=reopened):
        audit_log(
            actor=None,
            action="finding.reopen",
            obj=f,
            reason=_("De gegevens van de bevinding zijn gewijzigd."),
        )

    # The streams each new or changed finding involves (for the stream's spending report).
    through = Finding.streams.through
    touched = {f.key for f in new} | {f.key for f in changed}
    if touched:
        ids = dict(
            Finding.objects.filter(municipality=municipality, key__in=touched).values_list(
                "key", "pk"
            )
        )
        through.objects.filter(finding_id__in=[f.pk for f in changed]).delete()
        through.objects.bulk_create(
            [
                through(finding_id=ids[key], fundingstream_id=s)
                for key in touched
                for s in by_key[key].stream_ids
            ],
            batch_size=5000,
        )
    result.created = len(new)
    result.reopened = len(reopened)
    result.removed = len(gone_open)


def checks_run(*, municipality, progress=None, full=False) -> CheckResult:
    """Run the checks of checks.md for ``municipality`` and store the findings.

    Incremental by default (issue 14 §2): only the rules that the writes recorded since the last
    run (``CheckChange``, see checks.changes) can affect are re-derived, and with nothing changed
    the run is one read of the change table. ``full=True``, a municipality never checked in full
    or a new ``RULES_VERSION`` re-derive every rule; both give the same findings.

    ``progress(percent, step)`` is called between the steps (the CheckRun row the page polls).
    The rules only read; the findings are stored in one transaction, under a lock on the
    municipality row so two runs of the same municipality do not interleave their writes.
    ``result.mode`` is "full", "incremental" or "unchanged"; ``result.findings`` the number of
    active findings afterwards.
    """
    result = CheckResult(municipality=municipality)

    def report(percent, step):
        if progress:
            progress(percent, step)

    with scope(municipality=municipality):
        change_ids, changed = changes_pending(municipality)
        if full or needs_full_run(municipality):
            result.mode, changed = "full", set(EVERYTHING)
        elif not changed:
            result.mode = "unchanged"
        else:
            result.mode = "incremental"
        rules = [rule for rule in RULES if rule in changed]
        result.rules = rules
        steps = len(rules) + 2
        if REACH in changed:
            report(0, _("bereik van activiteiten"))
            reach_rebuild(municipality)
        derived = []
        for i, rule in enumerate(rules, start=1):
            report(int(100 * i / steps), _("regel %s") % rule)
            found = RULE_FUNCTIONS[rule](municipality)
            result.per_rule[rule] = len(found)
            derived.extend(found)
        report(int(100 * (steps - 1) / steps), _("bevindingen opslaan"))
        with transaction.atomic():
            Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
            if rules:
                _store(municipality, derived, result, rules)
            if change_ids:
                CheckChange.objects.filter(pk__in=change_ids).delete()
            now = timezone.now()
            if result.mode == "full":
                CheckState.objects.update_or_create(
                    municipality=municipality,
                    defaults={"version": RULES_VERSION, "full_at": now, "checked_at": now},
                )
            else:
                CheckState.objects.filter(municipality=municipality).update(checked_at=now)
        result.findings = Finding.objects.filter(municipality=municipality, active=True).count()
        report(100, _("klaar"))
    return result


def check_run_execute(*, check_run_id, full=False) -> CheckRun | None:
    """Run a queued CheckRun (the Celery task's body; ``full`` as for checks_run). Idempotent:
    a finished run, delivered again after a worker was lost, is left alone; an interrupted one
    runs again."""
    run = CheckRun.objects.select_related("municipality").filter(pk=check_run_id).first()
    if run is None or run.finished:
        return run
    CheckRun.objects.filter(pk=run.pk).update(
        status=CheckRun.Status.RUNNING, started_at=timezone.now(), progress=0
    )

    def progress(percent, step):
        CheckRun.objects.filter(pk=run.pk).update(progress=percent, step=step[:100])

    try:
        result = checks_run(municipality=run.municipality, progress=progress, full=full)
    except Exception as error:
        logger.exception("check run %s failed", run.pk)
        CheckRun.objects.filter(pk=run.pk).update(
            status=CheckRun.Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    CheckRun.objects.filter(pk=run.pk).update(
        status=CheckRun.Status.DONE,
        progress=100,
        finished_at=timezone.now(),
        findings_count=result.findings,
        new_count=result.created,
        reopened_count=result.reopened,
        removed_count=result.removed,
    )
    run.refresh_from_db()
    return run


def check_run_request(*, municipality, actor=None, trigger=CheckRun.Trigger.BUTTON) -> CheckRun:
    """Queue a run (the findings page's button); the task starts after the commit."""
    active = CheckRun.objects.filter(
        municipality=municipality,
        status__in=[CheckRun.Status.QUEUED, CheckRun.Status.RUNNING],
        created_at__gte=timezone.now() - timezone.timedelta(minutes=15),
    ).first()
    if active and trigger == CheckRun.Trigger.BUTTON:
        return active
    run = CheckRun.objects.create(municipality=municipality, requested_by=actor, trigger=trigger)
    if actor is not None:
        audit_log(actor=actor, action="checks.run", obj=run, municipality=municipality)
    enqueue("funding.tasks.run_checks", run.pk, municipality=municipality)
    return run


def finding_review(*, finding, actor, status, reason) -> Finding:
    """Mark a finding justified or resolved (reason required, audited), or reopen it."""
    reason = (reason or "").strip()
    if status not in Finding.Status.values:
        raise ApplicationError(_("Onbekende status."))
    if status != Finding.Status.OPEN and not reason:
        raise ApplicationError(
            _("Geef een toelichting: waarom is deze bevinding verantwoord of opgelost?")
        )
    old_status = finding.status
    finding.status = status
    finding.reason = reason
    finding.reviewed_by = actor
    finding.reviewed_at = timezone.now()
    finding.save(update_fields=["status", "reason", "reviewed_by", "reviewed_at"])
    audit_log(
        actor=actor,
        action=f"finding.{status}",
        obj=finding,
        changes={"status": [old_status, status]},
        reason=reason,
    )
    return finding


def finding_as_dict(finding) -> dict:
    """The JSON-lines shape of interchange.md."""
    return {
        "rule": finding.rule,
        "severity": finding.severity,
        "municipality": finding.municipality.code,
        "subjects": sorted(finding.subjects),
        "school": finding.school.code if finding.school_id else None,
        "theme": finding.theme or None,
        "amount": None if finding.amount is None else f"{finding.amount:.2f}",
        "message": finding.message,
    }
