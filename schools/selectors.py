"""Reads of the schools app. Every selector takes the request's ``access`` (or the tenant) and
returns only what that user may see: a director only their own school(s), the municipality
only submitted scans. Pages build on these with a fixed number of queries."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery

from portal.domain import Severity, Theme

from .models import Need, Scan, ScanComment, ScanDocument, School, SchoolWeight, current_school_year

# Severities that count as a need the municipality should act on (checks.md G1).
SERIOUS = (Severity.MODERATE, Severity.SEVERE)
SEVERITY_RANK = {Severity.NONE: 0, Severity.LIMITED: 1, Severity.MODERATE: 2, Severity.SEVERE: 3}


def schools(*, access):
    """The schools ``access`` may see: all of the municipality (the tenant scope), or a
    director's own (roles.md: D "R own school(s)"). A queryset of School; no joins."""
    queryset = School.objects.all()
    if access.own_schools_only("schools.view"):
        queryset = queryset.filter(id__in=access.school_ids)
    return queryset


def _returned_remark():
    """The latest remark the municipality returned the scan with (None if never returned)."""
    return Subquery(
        ScanComment.objects.filter(scan=OuterRef("pk"), kind=ScanComment.Kind.RETURNED)
        .order_by("-created_at", "-id")
        .values("text")[:1]
    )


def scans(*, access):
    """Scans ``access`` may see: the municipality sees submitted (and imported) scans and the
    ones it sent back (a draft again, shown as "teruggestuurd" with its remark), a director
    every scan of their own school(s), drafts included. Annotated with ``returned_remark``."""
    condition = Q(pk__in=[])
    qs = Scan.objects.annotate(returned_remark=_returned_remark())
    if access.has("scans.review"):
        condition |= (
            Q(status__in=[Scan.Status.SUBMITTED, Scan.Status.REVIEWED])
            | Q(source=Scan.Source.IMPORT)
            | Q(status=Scan.Status.DRAFT, returned_remark__isnull=False)
        )
    if access.school_ids and access.has("scans.change"):
        condition |= Q(school_id__in=access.school_ids)
    return qs.filter(condition).select_related("school")


def own_school_scans(*, access):
    """The scans of a director's own school(s) that ``access`` may see (empty for others):
    the scans a director changes (needs, documents, interventions)."""
    return scans(access=access).filter(school_id__in=access.school_ids)


def scan_editable(*, access, scan) -> bool:
    """Whether ``access`` may change ``scan`` now: a draft of the director's own school
    (scans.md workflow; roles.md: scans W for the director of the school)."""
    return (
        scan.status == Scan.Status.DRAFT
        and access.has("scans.change")
        and scan.school_id in access.school_ids
    )


def scan_detail(*, access):
    """Scans with everything the scan page shows: needs, documents, comments (the funding
    app's panel adds the interventions)."""
    return (
        scans(access=access)
        .select_related("submitted_by", "reviewed_by")
        .prefetch_related(
            "needs",
            Prefetch("documents", ScanDocument.objects.select_related("uploaded_by")),
            Prefetch("comments", ScanComment.objects.select_related("author")),
        )
    )


def documents(*, access):
    """Documents of the scans ``access`` sees; of a scan sent back (a draft again) only the
    school's own people see the documents (roles.md: the municipality reads submitted ones)."""
    visible = scans(access=access).exclude(
        Q(status=Scan.Status.DRAFT) & ~Q(school_id__in=access.school_ids)
    )
    return ScanDocument.objects.filter(scan__in=visible.values("pk")).select_related("scan")


def _seen_or_returned():
    """Scans the municipality sees, or sent back to the school (still its business)."""
    returned = ScanComment.objects.filter(scan=OuterRef("pk"), kind=ScanComment.Kind.RETURNED)
    return (
        Q(status__in=[Scan.Status.SUBMITTED, Scan.Status.REVIEWED])
        | Q(source=Scan.Source.IMPORT)
        | (Q(status=Scan.Status.DRAFT) & Exists(returned))
    )


def school_years(*, municipality) -> list[str]:
    """School years with scans the municipality sees (or sent back), newest first, and the
    current one."""
    visible = Scan.objects.filter(municipality=municipality).filter(_seen_or_returned())
    years = set(visible.order_by().values_list("school_year", flat=True).distinct())
    years.add(current_school_year())
    return sorted(years, reverse=True)


def scan_round(*, municipality=None) -> str:
    """The school year the municipality is working on: the newest with a scan it sees, or the
    current school year when there is none yet. Without ``municipality``: over the scope."""
    visible = Scan.objects.filter(_seen_or_returned())
    if municipality is not None:
        visible = visible.filter(municipality=municipality)
    newest = visible.order_by("-school_year").values_list("school_year", flat=True).first()
    return newest or current_school_year()


# --- the municipality's overview ------------------------------------------------


@dataclass
class OverviewRow:
    school: School
    scan: Scan | None  # visible, or sent back ("teruggestuurd": no needs counted)
    needs: dict  # theme -> Need

    @property
    def submitted(self):
        return self.scan is not None and not self.scan.is_returned

    @property
    def returned(self):
        return self.scan is not None and self.scan.is_returned


@dataclass
class Overview:
    school_year: str
    rows: list[OverviewRow]
    themes: list  # [(code, label)] shown as heat-map columns
    top_themes: list = field(default_factory=list)  # [(code, label, serious count, any count)]
    joint_needs: list = field(default_factory=list)  # [(code, label, [schools])]

    @property
    def submitted_count(self):
        return sum(1 for r in self.rows if r.submitted)

    @property
    def missing(self):
        return [r.school for r in self.rows if r.scan is None]

    @property
    def returned(self):
        return [r for r in self.rows if r.returned]


def overview(*, municipality, school_year: str, sector: str | None = None) -> Overview:
    """Which schools submitted for ``school_year``, their needs per theme, the top themes and
    the serious needs shared by several schools (candidates for one joint activity).

    Three queries whatever the number of schools: schools, visible scans, their needs.
    """
    school_qs = School.objects.filter(municipality=municipality)
    if sector:
        school_qs = school_qs.filter(sector=sector)
    scans_qs = (
        Scan.objects.filter(municipality=municipality, school_year=school_year)
        .annotate(returned_remark=_returned_remark())
        .filter(
            Q(status__in=[Scan.Status.SUBMITTED, Scan.Status.REVIEWED])
            | Q(source=Scan.Source.IMPORT)
            | Q(status=Scan.Status.DRAFT, returned_remark__isnull=False)
        )
        .prefetch_related("needs")
    )
    by_school = {scan.school_id: scan for scan in scans_qs}
    rows = []
    serious, any_need, sharing = Counter(), Counter(), defaultdict(list)
    for school in school_qs:
        scan = by_school.get(school.id)
        # a returned scan is being revised: its needs do not count until it comes back
        needs = {n.theme: n for n in scan.needs.all()} if scan and not scan.is_returned else {}
        rows.append(OverviewRow(school, scan, needs))
        for need in needs.values():
            if need.severity != Severity.NONE:
                any_need[need.theme] += 1
            if need.severity in SERIOUS:
                serious[need.theme] += 1
                sharing[need.theme].append(school)
    labels = dict(Theme.choices)
    used = {theme for row in rows for theme in row.needs}
    themes = [(code, label) for code, label in Theme.choices if code in used]
    top = sorted(
        ((c, labels[c], serious[c], any_need[c]) for c in any_need),
        key=lambda t: (-t[2], -t[3], t[1]),
    )
    joint = [(c, labels[c], sharing[c]) for c, *_ in top if len(sharing[c]) >= 2]
    return Overview(school_year, rows, themes, top, joint)


@dataclass
class OverviewSummary:
    """The figures of :func:`overview` a dashboard shows, counted in the database."""

    school_year: str
    submitted_count: int  # schools whose visible scan is not sent back
    returned_count: int  # schools whose scan the municipality sent back
    missing_count: int  # schools without a visible (or sent back) scan
    top_themes: list  # as Overview.top_themes
    missing: object  # the schools of ``missing_count`` (a queryset, by name: read only if used)


def overview_summary(*, municipality, school_year: str) -> OverviewSummary:
    """:func:`overview`'s counts and top themes without a row per school: the dashboard's scan
    panel (issue 14: the overview built the rows of every school, its scan and its needs on each
    request of the dashboard, a cost that grows with the schools). Three queries: the scans'
    counts, the schools without one, the needs per theme (not read without a scan to count)."""
    visible = (
        Scan.objects.filter(municipality=municipality, school_year=school_year)
        .annotate(returned_remark=_returned_remark())
        .filter(
            Q(status__in=[Scan.Status.SUBMITTED, Scan.Status.REVIEWED])
            | Q(source=Scan.Source.IMPORT)
            | Q(status=Scan.Status.DRAFT, returned_remark__isnull=False)
        )
    )
    is_returned = Q(status=Scan.Status.DRAFT, returned_remark__isnull=False)
    counts = visible.aggregate(total=Count("pk"), returned=Count("pk", filter=is_returned))
    missing = School.objects.filter(municipality=municipality).exclude(
        Exists(visible.filter(school=OuterRef("pk")))
    )
    # a returned scan is being revised: its needs do not count until it comes back
    counted = visible.exclude(is_returned).values("pk")
    rows = (
        Need.objects.filter(scan__in=counted)
        .exclude(severity=Severity.NONE)
        .order_by()
        .values("theme")
        .annotate(n=Count("id"), serious=Count("id", filter=Q(severity__in=SERIOUS)))
    )
    labels = dict(Theme.choices)
    top = sorted(
        ((r["theme"], labels[r["theme"]], r["serious"], r["n"]) for r in rows)
        if counts["total"] > counts["returned"]  # no scan whose needs count: no query
        else (),
        key=lambda t: (-t[2], -t[3], t[1]),
    )
    return OverviewSummary(
        school_year=school_year,
        submitted_count=counts["total"] - counts["returned"],
        returned_count=counts["returned"],
        missing_count=missing.count(),
        top_themes=top,
        missing=missing,
    )


def theme_counts(*, school_year: str, municipality=None) -> list:
    """Aggregate only (LEA chair, regional coordinator): per theme the number of schools with a
    need and with a serious need, over the scans the municipality sees. Without
    ``municipality`` it counts over the current scope (a region's municipalities)."""
    needs = (
        Need.objects.filter(scan__school_year=school_year)
        .filter(
            Q(scan__status__in=[Scan.Status.SUBMITTED, Scan.Status.REVIEWED])
            | Q(scan__source=Scan.Source.IMPORT)
        )
        .exclude(severity=Severity.NONE)
    )
    # Need has no scoped manager: filter on the scan's municipality explicitly.
    visible_scans = (
        Scan.objects.filter(municipality=municipality) if municipality else Scan.objects.all()
    )
    needs = needs.filter(scan__in=visible_scans.values("id"))
    # Grouped in the database: one row per theme, however many scans a region holds.
    rows = (
        needs.order_by()
        .values("theme")
        .annotate(n=Count("id"), serious=Count("id", filter=Q(severity__in=SERIOUS)))
    )
    labels = dict(Theme.choices)
    return sorted(
        ((labels[r["theme"]], r["n"], r["serious"]) for r in rows),
        key=lambda t: (-t[2], -t[1], t[0]),
    )


# --- one page per school ----------------------------------------------------------


def school_scans(*, access, school):
    """``school``'s scans as ``access`` sees them (:func:`scans`), newest school year first,
    with needs and comments (with authors) prefetched: three queries."""
    return (
        scans(access=access)
        .filter(school=school)
        .prefetch_related(
            "needs", Prefetch("comments", ScanComment.objects.select_related("author"))
        )
        .order_by("-school_year")
    )


def school_weights(*, school):
    """``school``'s CBS schoolweging per school year, newest first (one query)."""
    return SchoolWeight.objects.filter(school=school).order_by("-school_year")


def severity_rank(severity) -> int:
    """Sort key of a severity code: 0 (none/unknown) up to the most severe (portal.domain)."""
    return SEVERITY_RANK.get(severity, 0)


# --- what a URL may name (portal.permissions.register_visible): (request) -> queryset -------


def visible_schools(request):
    """Schools the request's user may name in a URL (:func:`schools`)."""
    return schools(access=request.access)


def visible_scans(request):
    """Scans the request's user may name in a URL (:func:`scans`)."""
    return scans(access=request.access)


def visible_documents(request):
    """Scan documents the request's user may name in a URL (:func:`documents`)."""
    return documents(access=request.access)
