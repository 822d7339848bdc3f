from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = _("Scholen en schoolscans")

    def ready(self):
        from portal import dashboard, directors, navigation

        from . import panels
        from .directors import DirectorSchools

        navigation.register(*panels.NAVIGATION)
        dashboard.register(panels.dashboard_panels)
        directors.register(DirectorSchools())
