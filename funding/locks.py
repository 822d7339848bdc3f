"""Period locking (product.md, capability 12): the one check every write of expenditure lines
goes through, the forms and the import alike."""

from django.utils.translation import gettext as _

from portal.exceptions import ApplicationError

from .models import PeriodLock


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
