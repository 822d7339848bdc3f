"""Region pages of the funding app: the per-pupil comparison as CSV/XLSX, with the same figures
and the same small-number suppression as the region dashboard."""

from django.utils.translation import gettext as _

from portal.exports import export_response
from portal.permissions import portal_permission

from . import selectors
from .dashboard import region_year

SUPPRESSED = "–"


@portal_permission("funding.aggregate")
def per_pupil_export(request, region):
    """``?jaar=YYYY&export=csv|xlsx``: per municipality of the region the pupils, the NPO-GEM
    and GOAB budget of that year and both per pupil; suppressed cells read "–" with the note
    "minder dan N scholen"."""
    municipalities = list(request.access.region.municipalities.order_by("name"))
    years = selectors.region_years(municipalities=municipalities)
    year = region_year(request, years)
    threshold = selectors.small_number_threshold()
    note = _("minder dan %(n)s scholen") % {"n": threshold}
    header = [
        _("Gemeente"),
        _("CBS-code"),
        _("Jaar"),
        _("Leerlingen"),
        _("NPO-GEM budget"),
        _("NPO-GEM per leerling"),
        _("GOAB budget"),
        _("GOAB per leerling"),
        _("Opmerking"),
    ]
    rows = []
    for r in selectors.region_per_pupil(municipalities=municipalities, year=year):
        hidden = r["suppressed"]
        rows.append(
            [
                r["municipality"].name,
                r["municipality"].code,
                year,
                SUPPRESSED if hidden else r["pupils"],
                r["npo"],
                SUPPRESSED if hidden else r["npo_per_pupil"],
                r["goab"],
                SUPPRESSED if hidden else r["goab_per_pupil"],
                note if hidden else "",
            ]
        )
    name = f"regio-{request.access.region.slug}-per-leerling-{year}"
    fmt = "xlsx" if request.GET.get("export") == "xlsx" else "csv"
    return export_response(rows, header, name, fmt, sheet_title=str(year))
