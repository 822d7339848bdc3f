from django.urls import include, path

app_name = "funding"

# Mounted under /<municipality>/financien/ by portal/urls.py.
urlpatterns: list = [
    path("rapportages/", include("funding.report_urls")),
]
