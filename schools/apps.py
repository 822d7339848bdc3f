from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = _("Scholen en schoolscans")

    def ready(self):
        from portal import dashboard, directors, navigation, permissions
        from portal.imports import registry

        from . import panels, selectors, services
        from .directors import DirectorSchools
        from .imports import duo, needs, weights

        navigation.register(*panels.NAVIGATION)
        dashboard.register(panels.dashboard_panels)
        directors.register(DirectorSchools())
        # The browser imports of this app, run by the portal's one import view and job.
        registry.register(
            "schools",
            _("scholen (DUO)"),
            services.schools_import,
            importer=duo.SchoolImporter,
            example="duo_vestigingen_new.csv",
        )
        registry.register(
            "weights",
            _("schoolweging (CBS)"),
            services.weights_import,
            importer=weights.SchoolWeightImporter,
            example="schoolweging.csv",
        )
        registry.register(
            "needs",
            _("behoeften uit schoolscans"),
            services.needs_import,
            importer=needs.NeedImporter,
            example="needs.csv",
        )
        # Objects the schools' URLs name: 404 outside what the user sees.
        permissions.register_visible("school_id", selectors.visible_schools)
        permissions.register_visible("scan_id", selectors.visible_scans)
        permissions.register_visible("document_id", selectors.visible_documents)
