from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portaal")

    def ready(self):
        from . import navigation
        from .navigation import NavItem

        navigation.register(
            NavItem(_("Overzicht"), "portal:dashboard", "dashboard.view", order=0),
            NavItem(
                _("Overzicht"),
                "portal:region_dashboard",
                "dashboard.view",
                order=0,
                tenant="region",
            ),
            NavItem(_("Leden"), "portal:members", "members.view", order=900),
            NavItem(_("Audittrail"), "portal:audit", "audit.view", order=910),
        )
