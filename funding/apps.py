from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = _("Financiering")

    def ready(self):
        from portal import dashboard, navigation

        from .dashboard import funding_panels

        dashboard.register(funding_panels)
        navigation.register(
            navigation.NavItem(_("Beschikkingen"), "funding:grant_list", "funding.view", order=30),
            navigation.NavItem(
                _("Activiteiten"), "funding:activity_list", "activities.view", order=31
            ),
            navigation.NavItem(
                _("Bestedingen"), "funding:expenditure_list", "funding.view", order=32
            ),
            navigation.NavItem(_("Bevindingen"), "funding:finding_list", "findings.view", order=33),
            # Spending reports (funding/reports/views.py): accountant and policy officer.
            navigation.NavItem(_("Rapportages"), "funding:report_list", "reports.view", order=45),
        )
