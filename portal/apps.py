from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portaal")

    def ready(self):
        from . import jobs, navigation, permissions, selectors, services
        from .models import ExportJob, ImportJob
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
        # Objects the portal's URLs name: 404 outside what the user sees (permissions.py).
        permissions.register_visible("membership_id", selectors.visible_memberships)
        for kwarg in (
            "import_job_id",
            "needs_import_job_id",
            "funding_import_job_id",
            "activity_import_job_id",
        ):
            permissions.register_visible(kwarg, selectors.visible_import_jobs)
        permissions.register_visible("export_job_id", selectors.visible_export_jobs)
        permissions.register_visible("invitation_id", selectors.visible_invitations)
        # A given-up import or export ends failed with the reason, never "bezig" for good.
        jobs.register_give_up("portal.tasks.export_job_run", jobs.fail_row(ExportJob))
        jobs.register_give_up(
            "portal.tasks.import_job_run",
            jobs.fail_row(
                ImportJob, live=("pending", "running"), values=lambda reason: {"errors": [reason]}
            ),
        )
        # A given-up invitation mail says "niet verstuurd" on the members page, with a resend.
        jobs.register_give_up("portal.tasks.send_invitation", services.invitation_mail_given_up)
