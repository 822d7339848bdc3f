from django.urls import path

from . import region_views

app_name = "funding_region"

# Mounted under /regio/<region>/financien/ by portal/urls.py.
urlpatterns = [
    path("per-leerling/", region_views.per_pupil_export, name="per_pupil_export"),
]
