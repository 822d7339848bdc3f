from django.urls import path

from .views import imports, scans, schools

app_name = "schools"

# Mounted under /<municipality>/scholen/ by portal/urls.py.
urlpatterns = [
    path("", schools.SchoolListView.as_view(), name="school_list"),
    path("importeren/", imports.SchoolImportView.as_view(), name="school_import"),
    path("importeren/schoolweging/", imports.WeightImportView.as_view(), name="weight_import"),
    path(
        "importeren/taken/<int:import_job_id>/", imports.ImportJobView.as_view(), name="import_job"
    ),
    path("<int:school_id>/", schools.SchoolDetailView.as_view(), name="school_detail"),
    path("<int:school_id>/bewerken/", schools.SchoolUpdateView.as_view(), name="school_update"),
    path("scans/", scans.ScanListView.as_view(), name="scan_list"),
    path("scans/overzicht/", scans.ScanOverviewView.as_view(), name="scan_overview"),
    path("scans/nieuw/", scans.ScanCreateView.as_view(), name="scan_create"),
    path("scans/importeren/", imports.NeedsImportView.as_view(), name="needs_import"),
    path(
        "scans/importeren/taken/<int:needs_import_job_id>/",
        imports.NeedsImportJobView.as_view(),
        name="needs_import_job",
    ),
    path("scans/<int:scan_id>/", scans.ScanDetailView.as_view(), name="scan_detail"),
    path("scans/<int:scan_id>/behoeften/", scans.ScanUpdateView.as_view(), name="scan_update"),
    path("scans/<int:scan_id>/indienen/", scans.scan_submit, name="scan_submit"),
    path("scans/<int:scan_id>/beoordelen/", scans.scan_review, name="scan_review"),
    path("scans/<int:scan_id>/documenten/", scans.document_upload, name="document_upload"),
    path(
        "scans/<int:scan_id>/documenten/<int:document_id>/",
        scans.document_download,
        name="document_download",
    ),
]
