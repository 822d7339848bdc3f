from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = _("Financiering")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from portal import dashboard, navigation
        from portal.models import AuditEvent

        from . import freshness
        from .dashboard import funding_panels
        from .models import FundingStream

        dashboard.register(funding_panels)
        # Findings follow the data: every audited write that can change them queues a re-run.
        post_save.connect(
            freshness.on_audit_event, sender=AuditEvent, dispatch_uid="funding.freshness"
        )
        # Streams are edited in the admin: a change marks every municipality for a re-derive.
        for signal in (post_save, post_delete):
            signal.connect(
                freshness.on_stream_change,
                sender=FundingStream,
                dispatch_uid=f"funding.freshness.stream.{signal is post_save}",
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
