from django.urls import path

app_name = "schools"

# Mounted under /<municipality>/... by portal/urls.py.
urlpatterns: list = []
