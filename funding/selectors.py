"""Reads of the funding app: tenant-scoped querysets with what each page needs, so a page's
query count does not grow with the data."""

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear
from django.utils import timezone

from schools.models import Scan, ScanComment, School

from .models import (
    Activity,
    ActivityReach,
    CheckRun,
    Expenditure,
    Finding,
    FundingLine,
    Grant,
    PeriodLock,
    SpendingReport,
)
from .periods import budgets_for_year, budgets_from_rows

ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))


def grants(*, municipality):
    """The municipality's grants with ``spent`` (sum of their lines), ``carried_out`` (what
    later grants of the municipality carry over from them) and ``remaining`` = amount +
    carry-over in - spent - carried out, all in euro. Money carried over into a later grant is
    that grant's remaining, not also the source's (issue 10 §1: carry-over is not counted
    again)."""
    carried_out = (
        Grant.objects.filter(municipality=municipality, carried_from=OuterRef("pk"))
        .values("carried_from")
        .annotate(s=Sum("carry_over"))
        .values("s")
    )
    # A correlated sum per grant (on the grant index of the lines), not a join with GROUP BY:
    # the join grouped every line of the municipality by all the grant's, stream's and source
    # grant's columns and evaluated ``carried_out`` once per line (issue 14).
    spent = (
        Expenditure.objects.filter(grant=OuterRef("pk"))
        .order_by()
        .values("grant")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    return (
        Grant.objects.filter(municipality=municipality)
        .select_related("stream", "carried_from")
        .annotate(spent=Coalesce(Subquery(spent), ZERO))
        .annotate(carried_out=Coalesce(Subquery(carried_out), ZERO))
        .annotate(remaining=F("amount") + F("carry_over") - F("spent") - F("carried_out"))
    )


def activities(*, municipality, access=None):
    """Activities of the municipality; a director sees those reaching their school(s) and
    their own interventions (roles.md)."""
    qs = (
        Activity.objects.filter(municipality=municipality)
        .select_related("owner_school")
        .prefetch_related("funding_lines__stream", "schools")
    )
    if access is not None and access.own_schools_only("activities.view"):
        sectors = School.objects.filter(pk__in=access.school_ids).values("sector")
        reaches = ActivityReach.objects.filter(
            Q(school_id__in=access.school_ids) | Q(school__isnull=True, sector__in=sectors),
            activity=OuterRef("pk"),
        )
        qs = qs.filter(Q(owner_school_id__in=access.school_ids) | Exists(reaches))
    return qs


def expenditures(*, municipality):
    """The municipality's expenditures with grant stream, activity (and its owner school),
    school and who signed off joined: one query per page."""
    return Expenditure.objects.filter(municipality=municipality).select_related(
        "grant__stream", "activity__owner_school", "school", "signed_off_by"
    )


def findings(*, municipality):
    """The current (active) findings of the checks (checks.md), with school and reviewer
    joined and streams prefetched: two queries."""
    return (
        Finding.objects.filter(municipality=municipality, active=True)
        .select_related("school", "reviewed_by")
        .prefetch_related("streams")
    )


def finding_counts(*, municipality):
    """{rule: {"open": n, "total": n}} of the current findings."""
    counts = defaultdict(lambda: {"open": 0, "total": 0})
    rows = (
        Finding.objects.filter(municipality=municipality, active=True)
        .values("rule")
        .annotate(total=Count("id"), open=Count("id", filter=Q(status=Finding.Status.OPEN)))
        .order_by("rule")
    )
    for row in rows:
        counts[row["rule"]] = {"open": row["open"], "total": row["total"]}
    return dict(counts)


def latest_check_run(*, municipality):
    """The municipality's newest CheckRun (status, progress) or None."""
    return CheckRun.objects.filter(municipality=municipality).first()


def subject_links(finding_list, municipality):
    """Resolve the subject strings of ``finding_list`` (``"booking:..."``, ``"grant:..."``,
    ``"activity:<owner>/<code>"``) to objects in three queries at most, so the findings page
    links every subject: ``{subject: (kind, pk)}``; subjects not found are left out."""
    bookings, refs, activity_keys, needs = set(), set(), set(), set()
    for finding in finding_list:
        for s in finding.subjects:
            kind, _sep, value = s.partition(":")
            {"booking": bookings, "grant": refs, "activity": activity_keys, "need": needs}.get(
                kind, set()
            ).add(value)
    links = {}
    if bookings:
        for pk, booking in Expenditure.objects.filter(
            municipality=municipality, booking_id__in=bookings
        ).values_list("pk", "booking_id"):
            links[f"booking:{booking}"] = ("expenditure", pk)
    if refs:
        for pk, ref in Grant.objects.filter(
            municipality=municipality, reference__in=refs
        ).values_list("pk", "reference"):
            links[f"grant:{ref}"] = ("grant", pk)
    if activity_keys:
        codes = {a.split("/", 1)[1] for a in activity_keys}
        for pk, code, owner in Activity.objects.filter(
            municipality=municipality, code__in=codes
        ).values_list("pk", "code", "owner_school__code"):
            links[f"activity:{owner or municipality.code}/{code}"] = ("activity", pk)
    return links


# --- dashboards ----------------------------------------------------------------------------------


def monthly_spending(*, municipality, today=None) -> list[dict]:
    """The municipality's expenditure lines summed per stream (of their grant) and calendar
    month: ``[{"stream_id", "year", "month" (1-12), "total", "until_today"}]``, amounts in euro
    (Decimal; ``until_today`` the part dated up to ``today``, None when none is). One grouped
    query (a scan of the municipality's lines), shared by :func:`stream_figures` and
    :func:`spending_per_month` on the dashboard, which each read the lines once before."""
    today = today or timezone.localdate()
    rows = (
        Expenditure.objects.filter(municipality=municipality)
        .annotate(year=ExtractYear("date"), month=ExtractMonth("date"))
        .values("grant__stream_id", "year", "month")
        .annotate(total=Sum("amount"), until_today=Sum("amount", filter=Q(date__lte=today)))
        .order_by()
        .values_list("grant__stream_id", "year", "month", "total", "until_today")
    )
    keys = ("stream_id", "year", "month", "total", "until_today")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def stream_figures(*, municipality, year: int | None = None, monthly=None):
    """Per stream with grants (euro): granted over all windows, spent, committed (planned
    funding of activities not yet spent on them), remaining; and for calendar ``year`` (default:
    this year) the budget of that year (funding.periods) and the spending dated in it.

    Carry-over from another grant of the municipality is that grant's money, already in
    "granted": it is not counted twice. Three queries: the grants with their streams (read
    once for the sums, the streams and the budgets), spent (:func:`monthly_spending`, or none
    when its rows are given as ``monthly``) and committed (two more with open-ended grants)."""
    year = year or timezone.localdate().year
    # the grants once (with their stream): the sums per stream, the streams shown and the
    # year's budgets all come from these rows (they were read three times)
    grants = list(
        Grant.objects.filter(municipality=municipality)
        .select_related("stream")
        .annotate(source_municipality=F("carried_from__municipality_id"))
        .order_by()
    )
    granted = {}
    streams = {}
    for grant in grants:
        g = granted.setdefault(
            grant.stream_id, {"amount": Decimal("0.00"), "carry": Decimal("0.00")}
        )
        g["amount"] += grant.amount
        # carry-over from another grant of this municipality is already in "granted"
        if not (grant.carried_from_id and grant.source_municipality == municipality.pk):
            g["carry"] += grant.carry_over
        streams[grant.stream_id] = grant.stream
    spent = {}
    spent_in_year = {}
    if monthly is None:
        monthly = monthly_spending(municipality=municipality)
    for row in monthly:
        stream_id = row["stream_id"]
        spent[stream_id] = spent.get(stream_id, 0) + row["total"]
        if row["year"] == year:
            spent_in_year[stream_id] = spent_in_year.get(stream_id, 0) + row["total"]
    spent_on = (
        Expenditure.objects.filter(activity=OuterRef("activity"), grant__stream=OuterRef("stream"))
        .values("activity")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    committed = defaultdict(Decimal)
    for stream_id, planned, used in (
        FundingLine.objects.filter(activity__municipality=municipality, amount__isnull=False)
        .annotate(used=Coalesce(Subquery(spent_on), ZERO))
        .values_list("stream_id", "amount", "used")
    ):
        committed[stream_id] += max(Decimal("0.00"), planned - used)
    budgets = budgets_from_rows(
        [
            (
                grant.pk,
                grant.municipality_id,
                grant.stream_id,
                grant.stream.code,
                grant.amount,
                grant.window_start,
                grant.window_end,
                grant.stream.window_start,
                grant.stream.window_end,
            )
            for grant in grants
        ],
        year,
    )
    rows = []
    for stream_id, g in sorted(granted.items(), key=lambda kv: streams[kv[0]].code):
        total = g["amount"] + g["carry"]
        s = spent.get(stream_id) or Decimal("0.00")
        c = committed.get(stream_id, Decimal("0.00"))
        budget = budgets.get((municipality.pk, streams[stream_id].code))
        rows.append(
            {
                "stream": streams[stream_id],
                "granted": total,
                "spent": s,
                "committed": c,
                "remaining": total - s - c,
                "year": year,
                "budget_year": budget.amount if budget else Decimal("0.00"),
                "budget_open": bool(budget and budget.open),
                "spent_year": spent_in_year.get(stream_id) or Decimal("0.00"),
            }
        )
    return rows


def spending_per_month(*, municipality, months=24, today=None, monthly=None):
    """Spending per month over the last ``months`` months that end with the latest month with
    spending (up to today), so a municipality whose lines stop in 2024 still sees its curve.
    One grouped query (:func:`monthly_spending`), none when its rows for the same ``today``
    are given as ``monthly``."""
    today = today or timezone.localdate()
    if monthly is None:
        monthly = monthly_spending(municipality=municipality, today=today)
    by_month = {}
    for row in monthly:
        if row["until_today"] is not None:
            key = f"{row['year']:04d}-{row['month']:02d}"
            by_month[key] = by_month.get(key, 0) + row["until_today"]
    last = datetime.date.fromisoformat(max(by_month) + "-01") if by_month else today.replace(day=1)
    first = last
    for _ in range(months - 1):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    labels, values, cursor = [], [], first
    while cursor <= last:
        key = cursor.strftime("%Y-%m")
        labels.append(cursor.strftime("%m-%Y"))
        values.append(by_month.get(key) or Decimal("0.00"))
        cursor = (cursor + datetime.timedelta(days=32)).replace(day=1)
    return labels, values


def windows_ending(*, municipality, months=6, today=None):
    """Grants whose window ends within ``months`` with money unspent (their ``remaining``:
    what was carried over into a later grant is not lost with this window)."""
    today = today or timezone.localdate()
    until = today + datetime.timedelta(days=int(months * 30.5))
    rows = []
    for g in (
        grants(municipality=municipality)
        .filter(window_end__gte=today, window_end__lte=until)
        .order_by("window_end")
    ):
        unspent = g.total - g.spent - g.carried_out  # g.remaining, to the cent on SQLite too
        if unspent > 0:
            rows.append({"grant": g, "unspent": unspent})
    return rows


def scans_missing(*, municipality, school_year):
    """Schools without a scan the municipality can see for ``school_year``; ``returned`` tells
    the ones whose scan the municipality sent back (the school is revising it)."""
    year = Scan.objects.filter(municipality=municipality, school_year=school_year)
    visible = year.visible_to_municipality()
    returned = year.filter(
        status=Scan.Status.DRAFT,
        school=OuterRef("pk"),
        comments__kind=ScanComment.Kind.RETURNED,
    )
    return (
        School.objects.filter(municipality=municipality)
        .exclude(Exists(visible.filter(school=OuterRef("pk"))))
        .annotate(returned=Exists(returned))
        .order_by("name")
    )


def signoff_waiting(*, municipality):
    """Open F6 findings: lines waiting for the accountant's sign-off."""
    return Finding.objects.filter(
        municipality=municipality, active=True, rule="F6", status=Finding.Status.OPEN
    )


def small_number_threshold() -> int:
    """Aggregates shown to a regional coordinator that rest on fewer schools (or scans) than
    this are suppressed ("–", "minder dan 5 scholen"), as CBS suppresses small cells."""
    return settings.PORTAL_SMALL_NUMBER_THRESHOLD


def region_years(*, municipalities, today=None) -> list[int]:
    """Calendar years a region page offers: from the first to the last year any NPO-GEM or
    GOAB grant of ``municipalities`` runs in (stream windows where a grant has none), always
    including the current year. One aggregate query."""
    today = today or timezone.localdate()
    row = Grant.objects.filter(
        municipality__in=municipalities, stream__code__in=REGION_STREAMS
    ).aggregate(
        first=Min(Coalesce("window_start", "stream__window_start")),
        last=Max(Coalesce("window_end", "stream__window_end")),
    )
    first = min(row["first"].year if row["first"] else today.year, today.year)
    last = max(row["last"].year if row["last"] else today.year, today.year)
    return list(range(first, last + 1))


REGION_STREAMS = ("NPO-GEM", "GOAB")


def region_per_pupil(*, municipalities, year: int, threshold: int | None = None):
    """Aggregate figures only, per municipality: pupils, and the NPO-GEM and GOAB budget for
    calendar ``year`` (funding.periods: prorated by days of each grant's window, carry-over
    left out), each also per pupil (euro).

    Pupils and the per-pupil figures rest on the municipality's schools: with fewer schools
    with a pupil count than ``threshold`` (default: the PORTAL_SMALL_NUMBER_THRESHOLD setting)
    they are None and ``suppressed`` is True. Two queries (four with open-ended grants),
    whatever the number of municipalities."""
    threshold = small_number_threshold() if threshold is None else threshold
    ids = [m.pk for m in municipalities]
    pupils = {
        mid: (n, schools)
        for mid, n, schools in School.objects.filter(
            municipality_id__in=ids, pupil_count__isnull=False
        )
        .values("municipality_id")
        .annotate(n=Sum("pupil_count"), schools=Count("id"))
        .order_by()
        .values_list("municipality_id", "n", "schools")
    }
    budgets = budgets_for_year(municipality_ids=ids, year=year, stream_codes=REGION_STREAMS)
    rows = []
    for m in municipalities:
        n, schools = pupils.get(m.pk, (0, 0))
        suppressed = schools < threshold
        row = {
            "municipality": m,
            "schools": schools,
            "suppressed": suppressed,
            "pupils": None if suppressed else n,
        }
        for code, key in (("NPO-GEM", "npo"), ("GOAB", "goab")):
            budget = budgets.get((m.pk, code))
            row[key] = budget.amount if budget else Decimal("0.00")
            row[f"{key}_per_pupil"] = (
                (row[key] / n).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                if n and not suppressed
                else None
            )
        rows.append(row)
    return rows


# --- the school's and the scan's page (panels, funding/school_panels.py) -----------


def reaching_activities(*, school):
    """Municipal activities that reach ``school`` (checks.md "An activity reaches"): those
    listing it, and those listing no school whose sectors include the school's (or are empty).

    The sector test runs in Python on the municipality's school-less activities, because
    SQLite has no JSON containment; the query count stays fixed.
    """
    through = Activity.schools.through
    candidates = (
        Activity.objects.filter(municipality_id=school.municipality_id, owner_school__isnull=True)
        .annotate(
            lists_school=Exists(
                through.objects.filter(activity_id=OuterRef("pk"), school_id=school.id)
            ),
            lists_any=Exists(through.objects.filter(activity_id=OuterRef("pk"))),
        )
        .filter(Q(lists_school=True) | Q(lists_any=False))
        .prefetch_related("funding_lines__stream")
        .order_by("start", "code")
    )
    return [a for a in candidates if a.lists_school or not a.sectors or school.sector in a.sectors]


def own_interventions(*, school):
    """``school``'s own interventions (school-owned activities), newest first, with funding
    lines, streams and the scans that chose them: four queries."""
    return (
        Activity.objects.filter(owner_school=school)
        .prefetch_related("funding_lines__stream", "scans")
        .order_by("-start", "code")
    )


def spending_per_stream(*, school):
    """Money spent on the school: expenditures naming it, summed per grant stream. A list of
    ``{"grant__stream__code", "grant__stream__name", "total"}`` (total a Decimal in euros),
    ordered by stream code; one query."""
    return list(
        Expenditure.objects.filter(school=school)
        .values("grant__stream__code", "grant__stream__name")
        .annotate(total=Sum("amount"))
        .order_by("grant__stream__code")
    )


def scan_interventions(*, scan):
    """The interventions chosen in ``scan`` (school-owned activities), with funding lines and
    streams: three queries, as the scan page had with its prefetch."""
    return Activity.objects.filter(scans=scan).prefetch_related("funding_lines__stream")


# --- what a URL may name (portal.permissions.register_visible): (request) -> queryset -------


def _in_municipality(model):
    def visible(request):
        return model.objects.filter(municipality=request.access.municipality)

    visible.__doc__ = f"{model.__name__} objects of the request's municipality."
    return visible


visible_grants = _in_municipality(Grant)
visible_expenditures = _in_municipality(Expenditure)
visible_check_runs = _in_municipality(CheckRun)
visible_reports = _in_municipality(SpendingReport)
visible_period_locks = _in_municipality(PeriodLock)


def visible_activities(request):
    """Activities the request's user may name in a URL (:func:`activities`; a scan's
    interventions are activities too)."""
    return Activity.objects.filter(
        pk__in=activities(municipality=request.access.municipality, access=request.access)
        .order_by()
        .values("pk")
    )


def visible_findings(request):
    """Current findings of the request's municipality (:func:`findings`)."""
    return Finding.objects.filter(municipality=request.access.municipality, active=True)


VISIBLE = {
    "grant_id": visible_grants,
    "activity_id": visible_activities,
    "intervention_id": visible_activities,
    "expenditure_id": visible_expenditures,
    "finding_id": visible_findings,
    "check_run_id": visible_check_runs,
    "report_id": visible_reports,
    "lock_id": visible_period_locks,
}
