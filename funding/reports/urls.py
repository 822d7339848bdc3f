from django.urls import path

from . import views

# Spending reports, under /<municipality>/financien/rapportages/ (namespace "funding").
urlpatterns: list = [
    path("", views.SpendingReportListView.as_view(), name="report_list"),
    path("<int:report_id>/", views.SpendingReportDetailView.as_view(), name="report_detail"),
    path("<int:report_id>/status/", views.report_status, name="report_status"),
    path("<int:report_id>/pdf/", views.report_download_pdf, name="report_download_pdf"),
    path("<int:report_id>/xlsx/", views.report_download_xlsx, name="report_download_xlsx"),
    path("<int:report_id>/opnieuw/", views.report_retry, name="report_retry"),
    path("<int:report_id>/definitief/", views.report_finalise, name="report_finalise"),
    path("afgesloten/<int:lock_id>/heropenen/", views.period_reopen, name="period_reopen"),
]
