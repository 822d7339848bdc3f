from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = _("Financiering")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from portal import dashboard, jobs, navigation, permissions
        from portal import scale as national
        from portal.imports import registry
        from portal.models import AuditEvent

        from . import freshness, school_panels, selectors
        from . import scale as funding_scale
        from .dashboard import funding_panels
        from .models import CheckRun, FundingStream, SpendingReport
        from .services import imports
        from .services.activities import ActivityImporter
        from .services.expenditure_import import ExpenditureImporter
        from .services.grants import GrantImporter

        dashboard.register(funding_panels)
        # The national-scale data set's money, people and audit trail (seed_demo --scale).
        national.register(
            "funding",
            order=funding_scale.PART_ORDER,
            seed=funding_scale.seed_part,
            clear=funding_scale.clear_part,
        )
        # A given-up check run or report ends failed with the reason, never "bezig" for good.
        for task in ("funding.tasks.run_checks", "funding.tasks.run_checks_auto"):
            jobs.register_give_up(task, jobs.fail_row(CheckRun))
        jobs.register_give_up("funding.build_spending_report", jobs.fail_row(SpendingReport))
        # Objects the funding URLs name: 404 outside what the user sees.
        for kwarg, visible in selectors.VISIBLE.items():
            permissions.register_visible(kwarg, visible)
        # The browser imports of this app, run by the portal's one import view and job.
        for kind, label, run, importer, example in (
            ("grants", _("beschikkingen"), imports.grants_import, GrantImporter, "grants.csv"),
            (
                "activities",
                _("activiteiten"),
                imports.activities_import,
                ActivityImporter,
                "activities.csv",
            ),
            (
                "expenditures",
                _("bestedingen"),
                imports.expenditures_import,
                ExpenditureImporter,
                "expenditures.csv",
            ),
        ):
            registry.register(kind, label, run, importer=importer, example=example)
        dashboard.register(school_panels.school_panels, slot="school")
        dashboard.register(school_panels.scan_panels, slot="scan")
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
