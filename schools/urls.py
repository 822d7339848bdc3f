from django.urls import path

from . import views

app_name = "schools"

# Mounted under /<municipality>/scholen/ by portal/urls.py.
urlpatterns = [
    path("", views.SchoolListView.as_view(), name="school_list"),
    path("importeren/", views.SchoolImportView.as_view(), name="school_import"),
    path("importeren/schoolweging/", views.WeightImportView.as_view(), name="weight_import"),
    path("importeren/taken/<int:import_job_id>/", views.ImportJobView.as_view(), name="import_job"),
    path("<int:school_id>/", views.SchoolDetailView.as_view(), name="school_detail"),
    path("<int:school_id>/bewerken/", views.SchoolUpdateView.as_view(), name="school_update"),
    path("scans/", views.ScanListView.as_view(), name="scan_list"),
    path("scans/overzicht/", views.ScanOverviewView.as_view(), name="scan_overview"),
    path("scans/nieuw/", views.ScanCreateView.as_view(), name="scan_create"),
    path("scans/importeren/", views.NeedsImportView.as_view(), name="needs_import"),
    path(
        "scans/importeren/taken/<int:needs_import_job_id>/",
        views.NeedsImportJobView.as_view(),
        name="needs_import_job",
    ),
    path("scans/<int:scan_id>/", views.ScanDetailView.as_view(), name="scan_detail"),
    path("scans/<int:scan_id>/behoeften/", views.ScanUpdateView.as_view(), name="scan_update"),
    path("scans/<int:scan_id>/indienen/", views.scan_submit, name="scan_submit"),
    path("scans/<int:scan_id>/beoordelen/", views.scan_review, name="scan_review"),
    path("scans/<int:scan_id>/documenten/", views.document_upload, name="document_upload"),
    path(
        "scans/<int:scan_id>/documenten/<int:document_id>/",
        views.document_download,
        name="document_download",
    ),
]
