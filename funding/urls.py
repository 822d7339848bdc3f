from django.urls import include, path

from . import views

app_name = "funding"

# Mounted under /<municipality>/financien/ by portal/urls.py.
urlpatterns: list = [
    path(
        "scans/<int:scan_id>/interventies/nieuw/",
        views.InterventionCreateView.as_view(),
        name="intervention_create",
    ),
    path(
        "scans/<int:scan_id>/interventies/<int:intervention_id>/verwijderen/",
        views.intervention_delete,
        name="intervention_delete",
    ),
    path("rapportages/", include("funding.reports.urls")),
    path("beschikkingen/", views.GrantListView.as_view(), name="grant_list"),
    path("beschikkingen/nieuw/", views.GrantCreateView.as_view(), name="grant_create"),
    path("beschikkingen/import/", views.GrantImportView.as_view(), name="grants_import"),
    path(
        "importeren/taken/<int:funding_import_job_id>/",
        views.ImportJobView.as_view(),
        name="import_job",
    ),
    path(
        "activiteiten/import/taken/<int:activity_import_job_id>/",
        views.ActivityImportJobView.as_view(),
        name="activity_import_job",
    ),
    path("beschikkingen/<int:grant_id>/", views.GrantDetailView.as_view(), name="grant_detail"),
    path(
        "beschikkingen/<int:grant_id>/bewerken/",
        views.GrantUpdateView.as_view(),
        name="grant_update",
    ),
    path("activiteiten/", views.ActivityListView.as_view(), name="activity_list"),
    path("activiteiten/nieuw/", views.ActivityCreateView.as_view(), name="activity_create"),
    path("activiteiten/import/", views.ActivityImportView.as_view(), name="activities_import"),
    path(
        "activiteiten/<int:activity_id>/",
        views.ActivityDetailView.as_view(),
        name="activity_detail",
    ),
    path(
        "activiteiten/<int:activity_id>/bewerken/",
        views.ActivityUpdateView.as_view(),
        name="activity_update",
    ),
    path("bestedingen/", views.ExpenditureListView.as_view(), name="expenditure_list"),
    path("bestedingen/nieuw/", views.ExpenditureCreateView.as_view(), name="expenditure_create"),
    path("bestedingen/import/", views.ExpenditureImportView.as_view(), name="expenditures_import"),
    path(
        "bestedingen/<int:expenditure_id>/",
        views.ExpenditureDetailView.as_view(),
        name="expenditure_detail",
    ),
    path(
        "bestedingen/<int:expenditure_id>/bewerken/",
        views.ExpenditureUpdateView.as_view(),
        name="expenditure_update",
    ),
    path(
        "bestedingen/<int:expenditure_id>/aftekenen/",
        views.expenditure_sign_off,
        name="expenditure_sign_off",
    ),
    path("bevindingen/", views.FindingListView.as_view(), name="finding_list"),
    path("bevindingen/<int:finding_id>/beoordelen/", views.finding_review, name="finding_review"),
    path("bevindingen/controle/", views.check_run_start, name="check_run_start"),
    path(
        "bevindingen/controle/<int:check_run_id>/", views.check_run_status, name="check_run_status"
    ),
    path("zoeken/beschikkingen/", views.lookup_grants, name="lookup_grants"),
    path("zoeken/activiteiten/", views.lookup_activities, name="lookup_activities"),
    path("zoeken/scholen/", views.lookup_schools, name="lookup_schools"),
    path("lacunes/", views.GapView.as_view(), name="gap_view"),
]
