"""Dashboard panels of the funding app (portal.dashboard): per role, a fixed number of grouped
queries whatever the size of the data."""

from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Count, Window
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.charts import Series, bar_chart, line_chart
from portal.dashboard import Panel
from schools.panels import scan_round_of

from . import selectors


def _percent(part, whole):
    return None if not whole else (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("1"))


def _stream_chart(rows):
    """Per stream the share of its own grant that is spent and committed: one shared money
    scale would let GOAB dwarf every other stream (issue 12 §6)."""
    return bar_chart(
        title=_("Budget per stroom: besteed en verplicht"),
        description=_(
            "Per financieringsstroom het deel van het toegekende budget (inclusief overheveling) dat "
            "besteed en dat verplicht is, in procenten. De bedragen staan in de tabel hierboven."
        ),
        categories=[r["stream"].code for r in rows],
        series=[
            Series(
                _("Besteed, in % van toegekend"), [_percent(r["spent"], r["granted"]) for r in rows]
            ),
            Series(
                _("Verplicht, in % van toegekend"),
                [_percent(r["committed"], r["granted"]) for r in rows],
            ),
        ],
        percent=True,
    )


def _streams_panel(municipality, *, detail: bool, monthly=None) -> Panel:
    """The money per stream (granted, spent, committed, left) with its chart; ``detail`` links
    each stream to its grants, for roles that may open them (aggregate roles see figures only).
    ``monthly``: selectors.monthly_spending's rows when the page read them already."""
    rows = selectors.stream_figures(municipality=municipality, monthly=monthly)
    return Panel(
        "funding/panels/streams.html",
        {
            "rows": rows,
            "chart": _stream_chart(rows) if rows else None,
            "detail": detail,
            "open_note": any(r["budget_open"] for r in rows),
        },
        order=20,
        wide=True,
    )


def funding_panels(request):
    access = request.access
    if access.region:
        return region_panels(request)
    m = access.municipality
    panels = []
    if access.has("funding.view"):
        # the lines per stream and month, read once for the stream figures and the curve
        monthly = selectors.monthly_spending(municipality=m)
        panels.append(_streams_panel(m, detail=True, monthly=monthly))
        labels, values = selectors.spending_per_month(municipality=m, monthly=monthly)
        panels.append(
            Panel(
                "funding/panels/spending.html",
                {
                    "chart": line_chart(
                        title=_("Bestedingen per maand"),
                        description=_(
                            "Som van de geboekte bedragen per maand over de laatste twee jaar."
                        ),
                        categories=labels,
                        series=[Series(_("Besteed"), values)],
                        money=True,
                    )
                },
                order=21,
                wide=True,
            )
        )
        panels.append(
            Panel(
                "funding/panels/deadlines.html",
                {"rows": selectors.windows_ending(municipality=m)},
                order=22,
            )
        )
    elif access.has("funding.aggregate"):
        panels.append(_streams_panel(m, detail=False))
    if access.has("findings.view"):
        counts = selectors.finding_counts(municipality=m)
        panels.append(
            Panel(
                "funding/panels/findings.html",
                {
                    "counts": [(rule, c) for rule, c in sorted(counts.items()) if c["open"]],
                    "open": sum(c["open"] for c in counts.values()),
                },
                order=23,
            )
        )
    if access.has("signoff.change"):
        waiting = selectors.signoff_waiting(municipality=m)
        panels.append(Panel("funding/panels/signoff.html", {"count": waiting.count()}, order=24))
    if access.has("funding.change"):
        year = scan_round_of(request, m)
        # the first ten and, on each row, the count of all of them: one query, not two
        first = list(
            selectors.scans_missing(municipality=m, school_year=year).annotate(
                total=Window(Count("pk"))
            )[:10]
        )
        panels.append(
            Panel(
                "funding/panels/scans_missing.html",
                {"school_year": year, "count": first[0].total if first else 0, "schools": first},
                order=25,
            )
        )
    return panels


def region_year(request, years) -> int:
    """The calendar year of ``?jaar=``, if it is one of ``years``; else the current year."""
    try:
        year = int(request.GET.get("jaar", ""))
    except ValueError:
        year = None
    return year if year in years else timezone.localdate().year


REGION_PAGE = 50  # municipalities per page of the region dashboard (issue 14 §1)


def region_panels(request):
    """The coordinator's comparison: aggregate figures per municipality only (roles.md), 50
    municipalities a page (``?page=``), in a fixed number of queries whatever the size of the
    region: the count of its municipalities (on the region's link table), the page of them,
    one grouped query for pupils and schools and the budget queries, both for the page's
    municipalities only, and one aggregate for the years offered."""
    access = request.access
    if not access.has("funding.aggregate"):
        return []
    region = access.region
    years = selectors.region_years(municipalities=region.municipalities.all())
    year = region_year(request, years)
    paginator = Paginator(region.municipalities.order_by("name", "pk"), REGION_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    rows = selectors.region_per_pupil(municipalities=list(page.object_list), year=year)
    shown = [r for r in rows if not r["suppressed"]]
    chart = bar_chart(
        title=_("NPO-GEM en GOAB per leerling in %(year)s") % {"year": year},
        description=_(
            "Budget van %(year)s (naar rato van de dagen van elke beschikking in dat jaar), gedeeld door het "
            "aantal leerlingen op de scholen in de gemeente, per gemeente van de regio."
        )
        % {"year": year},
        categories=[r["municipality"].name for r in shown],
        series=[
            Series(_("NPO-GEM per leerling"), [r["npo_per_pupil"] for r in shown]),
            Series(_("GOAB per leerling"), [r["goab_per_pupil"] for r in shown]),
        ],
        money=True,
    )
    return [
        Panel(
            "funding/panels/region.html",
            {
                "rows": rows,
                "page": page,
                "chart": chart if shown else None,
                "year": year,
                "years": years,
                "threshold": selectors.small_number_threshold(),
                "suppressed": any(r["suppressed"] for r in rows),
            },
            order=20,
            wide=True,
        )
    ]
