"""The funding imports on the portal's one import page and job (portal.imports.views)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.imports import views as imports_views

# --- imports -------------------------------------------------------------------------------------


class ImportView(imports_views.ImportView):
    """The portal's one browser import; the confirmed import runs as a background job."""

    job_url_name = "funding:import_job"
    job_url_kwarg = "funding_import_job_id"

    @property
    def columns_help(self):
        return _(
            "Een bestand met de kolommen hieronder, zoals uw financiële systeem het exporteert."
        )


class GrantImportView(ImportView):
    permission = "funding.import"
    kind = "grants"
    title = gettext_lazy("Beschikkingen importeren")


class ActivityImportView(ImportView):
    permission = "activities.import"
    kind = "activities"
    title = gettext_lazy("Activiteiten importeren")
    job_url_name = "funding:activity_import_job"
    job_url_kwarg = "activity_import_job_id"


class ExpenditureImportView(ImportView):
    permission = "funding.import"
    kind = "expenditures"
    title = gettext_lazy("Bestedingen importeren")


class ImportJobView(imports_views.ImportJobView):
    permission = "funding.import"
    kinds = ("grants", "expenditures")
    pk_url_kwarg = "funding_import_job_id"
    done_url_name = {"grants": "funding:grant_list", "expenditures": "funding:expenditure_list"}


class ActivityImportJobView(ImportJobView):
    permission = "activities.import"
    kinds = ("activities",)
    pk_url_kwarg = "activity_import_job_id"
    done_url_name = {"activities": "funding:activity_list"}
