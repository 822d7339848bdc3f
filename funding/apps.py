from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = _("Financiering")

    def ready(self):
        from portal.navigation import NavItem, register

        # Spending reports (funding/report_views.py): accountant and policy officer.
        register(NavItem(_("Rapportages"), "funding:report_list", "reports.view", order=45))
