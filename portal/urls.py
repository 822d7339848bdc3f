"""URL layout: tenant pages live under ``/<municipality>/`` (or ``/regio/<region>/``), where
:class:`portal.middleware.TenantMiddleware` resolves and authorises the tenant. Everything
else (login, health, invitations) is tenant-free."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from . import export_views, views

tenant_patterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("leden/", views.MemberListView.as_view(), name="members"),
    path("leden/<int:membership_id>/verwijderen/", views.member_remove, name="member_remove"),
    path(
        "leden/uitnodiging/<int:invitation_id>/opnieuw-versturen/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path("audit/", views.AuditListView.as_view(), name="audit"),
    path("export/<int:export_job_id>/", export_views.ExportJobView.as_view(), name="export_job"),
    path(
        "export/<int:export_job_id>/bestand/",
        export_views.export_job_download,
        name="export_job_download",
    ),
]

region_patterns = [
    path("", views.RegionDashboardView.as_view(), name="region_dashboard"),
]

portal_patterns = [
    path("uitnodiging/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("regio/<slug:region>/", include(region_patterns)),
    path("<slug:municipality>/", include(tenant_patterns)),
]

# Staff sign in through allauth (password, two-factor, rate limits) like everyone else; the
# admin's own login form would bypass all three.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/", views.health, name="health"),
    path("", views.home, name="home"),
    # Public pages linked from every page's footer (issue 12 §4); before the tenant catch-alls.
    path(
        "toegankelijkheid/",
        views.PublicPageView.as_view(template_name="portal/pages/accessibility.html"),
        name="accessibility",
    ),
    path(
        "privacy/",
        views.PublicPageView.as_view(template_name="portal/pages/privacy.html"),
        name="privacy",
    ),
    path(
        "contact/",
        views.PublicPageView.as_view(template_name="portal/pages/contact.html"),
        name="contact",
    ),
    path("favicon.ico", views.favicon),
    # App URLs come before the portal's catch-all <municipality>/ patterns.
    path("<slug:municipality>/scholen/", include("schools.urls")),
    path("<slug:municipality>/financien/", include("funding.urls")),
    path("regio/<slug:region>/financien/", include("funding.region_urls")),
    path("", include("meetings.urls")),
    path("", include((portal_patterns, "portal"))),
]

# An unreachable database or Redis answers a plain Dutch 503 page, not a traceback (faults.py).
handler500 = "portal.faults.server_error"
