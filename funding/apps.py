from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = _("Financiering")

    def ready(self):
        from django.db.models.signals import post_save

        from portal import dashboard, navigation
        from portal.models import AuditEvent

        from . import freshness, school_panels
        from .dashboard import funding_panels

        dashboard.register(funding_panels)
        dashboard.register(school_panels.school_panels, slot="school")
        dashboard.register(school_panels.scan_panels, slot="scan")
        # Findings follow the data: every audited write that can change them queues a re-run.
        post_save.connect(
            freshness.on_audit_event, sender=AuditEvent, dispatch_uid="funding.freshness"
        )
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
