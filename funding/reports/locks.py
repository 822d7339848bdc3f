"""Period locking (product.md, capability 12): the one check every write of expenditure lines
goes through, the forms and the import alike; an accountant finalises a year (locking it) and a
policy officer reopens it."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_log
from portal.exceptions import ApplicationError

from ..models import PeriodLock, SpendingReport
from .data import collect_report_data, data_sha256


def locked_periods(*, municipality) -> set[tuple[int, int]]:
    """``{(stream_id, year)}`` of the active locks of ``municipality``."""
    return set(
        PeriodLock.objects.filter(municipality=municipality, reopened_at__isnull=True).values_list(
            "stream_id", "year"
        )
    )


def assert_lines_unlocked(*, municipality, lines) -> None:
    """Refuse when any of ``lines`` — ``(stream_id, date)`` pairs, old and new values of a
    change alike — falls in a locked year."""
    locked = locked_periods(municipality=municipality)
    if not locked:
        return
    hits = sorted(
        {(stream_id, day.year) for stream_id, day in lines if (stream_id, day.year) in locked}
    )
    if hits:
        years = ", ".join(str(year) for _stream, year in hits)
        raise ApplicationError(
            _(
                "Het jaar %(years)s is afgesloten met een definitieve bestedingsrapportage. "
                "Een beleidsmedewerker kan de periode heropenen (met reden)."
            )
            % {"years": years}
        )


def report_finalise(*, report: SpendingReport, user) -> PeriodLock:
    """An accountant marks a year's report final: that year's lines of the stream are locked
    (assert_lines_unlocked refuses changes and imports over them) until a policy officer reopens it.
    Only a finished year report whose data are still current can be made final; an unchanged
    request makes the version it points at final."""
    report = report.source
    if report.year is None:
        raise ApplicationError(_("Alleen een jaarrapportage kan definitief worden gemaakt."))
    if report.status != SpendingReport.Status.DONE:
        raise ApplicationError(_("Deze rapportage is nog niet klaar."))
    data = collect_report_data(
        municipality=report.municipality, stream=report.stream, year=report.year
    )
    if data_sha256(data) != report.data_sha256:
        raise ApplicationError(
            _(
                "De gegevens zijn gewijzigd sinds deze versie; vraag eerst een nieuwe rapportage aan."
            )
        )
    with transaction.atomic():
        if PeriodLock.objects.filter(
            municipality=report.municipality,
            stream=report.stream,
            year=report.year,
            reopened_at__isnull=True,
        ).exists():
            raise ApplicationError(_("Dit jaar is al afgesloten."))
        lock = PeriodLock.objects.create(
            municipality=report.municipality, stream=report.stream, year=report.year, locked_by=user
        )
        report.finalised_by = user
        report.finalised_at = timezone.now()
        report.save(update_fields=["finalised_by", "finalised_at"])
        audit_log(
            actor=user,
            action="period.lock",
            obj=lock,
            changes={"report": [None, str(report)], "data_sha256": [None, report.data_sha256]},
        )
    return lock


def period_reopen(*, lock: PeriodLock, user, reason: str) -> PeriodLock:
    """A policy officer reopens a locked year, with a reason (audited). The next report of that
    year is a new version that lists the reopening."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Geef een reden voor het heropenen."))
    with transaction.atomic():
        lock = PeriodLock.objects.select_for_update().get(pk=lock.pk)
        if lock.reopened_at:
            raise ApplicationError(_("Deze periode is al heropend."))
        changes = {"reopened_at": [None, timezone.now()], "reopened_by": [None, str(user)]}
        lock.reopened_at = changes["reopened_at"][1]
        lock.reopened_by = user
        lock.reopen_reason = reason
        lock.save(update_fields=["reopened_at", "reopened_by", "reopen_reason"])
        audit_log(actor=user, action="period.reopen", obj=lock, changes=changes, reason=reason)
    return lock
