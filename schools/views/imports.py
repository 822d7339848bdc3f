"""The schools app's imports (DUO schools, CBS schoolweging, scan needs) on the portal's one
import view and job page (portal.imports.views): upload -> preview -> confirm -> progress."""

from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from portal.imports import views as imports_views

from ..forms import SchoolImportForm, WeightImportForm


class ImportView(imports_views.ImportView):
    job_url_name = "schools:import_job"
    job_url_kwarg = "import_job_id"


class SchoolImportView(ImportView):
    permission = "schools.import"
    form_class = SchoolImportForm
    kind = "schools"

    @property
    def title(self):
        return _("Scholen importeren (DUO)")

    @property
    def columns_help(self):
        return _(
            "Het DUO-bestand 'adressen alle vestigingen' (klassiek of nieuw), zoals gedownload, "
            "ook het landelijke bestand: regels van andere gemeenten worden overgeslagen en "
            "geteld."
        )


class WeightImportView(ImportView):
    permission = "schools.import"
    form_class = WeightImportForm
    kind = "weights"

    @property
    def title(self):
        return _("Schoolweging importeren (CBS)")

    @property
    def columns_help(self):
        # column names and codes as <code>: what the file must say, not interface words
        return mark_safe(
            _(
                "Het CBS-bestand met de kolommen <code>OVT</code> (vestigingscode of BRIN|C1), "
                "<code>schoolweging</code> en <code>aantal_leerlingen</code>, ook voor het hele "
                "land: regels van scholen die niet bij deze gemeente in het portaal staan worden "
                "overgeslagen en geteld."
            )
        )


class NeedsImportView(ImportView):
    permission = "scans.import"
    kind = "needs"
    job_url_name = "schools:needs_import_job"
    job_url_kwarg = "needs_import_job_id"

    @property
    def title(self):
        return _("Behoeften uit schoolscans importeren")

    @property
    def columns_help(self):
        return mark_safe(
            _(
                "Kolommen: <code>school</code>, <code>school_year</code>, <code>theme</code> (de naam "
                "van het thema zoals het portaal die toont, bijvoorbeeld <code>taal en "
                "lezen</code>, of de code, bijvoorbeeld <code>taal</code>), <code>severity</code> "
                "(<code>geen</code>, <code>beperkt</code>, <code>matig</code>, "
                "<code>ernstig</code>, of de codes <code>none</code>, <code>limited</code>, "
                "<code>moderate</code>, <code>severe</code>) en <code>share_of_pupils</code>. "
                "Hoofd- en kleine letters maken niet uit."
            )
        )


class ImportJobView(imports_views.ImportJobView):
    permission = "schools.import"
    kinds = ("schools", "weights")
    done_url_name = "schools:school_list"


class NeedsImportJobView(ImportJobView):
    permission = "scans.import"
    kinds = ("needs",)
    pk_url_kwarg = "needs_import_job_id"
    done_url_name = "schools:scan_overview"
