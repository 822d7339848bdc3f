from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Overleggen")

    def ready(self):
        from portal import dashboard, navigation, permissions
        from portal import scale as national
        from portal.navigation import NavItem

        from . import panels, selectors
        from . import scale as meetings_scale

        navigation.register(
            NavItem(_("Overleggen"), "meetings:meeting_list", "meetings.view", order=40),
            NavItem(_("Actiepunten"), "meetings:action_list", "actions.view", order=45),
            NavItem(
                _("Regionale overleggen"),
                "meetings:region_meeting_list",
                "meetings.view",
                order=40,
                tenant="region",
            ),
            NavItem(
                _("Regionale actiepunten"),
                "meetings:region_action_list",
                "actions.view",
                order=45,
                tenant="region",
            ),
        )
        dashboard.register(panels.dashboard_panels, slot="dashboard")
        dashboard.register(panels.school_panels, slot="school")
        # The national-scale data set's meetings and actions (seed_demo --scale national).
        national.register(
            "meetings",
            order=meetings_scale.PART_ORDER,
            seed=meetings_scale.seed_part,
            clear=meetings_scale.clear_part,
        )
        # Objects the meetings' URLs name: 404 outside what the user sees.
        for kwarg, visible in selectors.VISIBLE.items():
            permissions.register_visible(kwarg, visible)
