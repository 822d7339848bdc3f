from django.urls import path

app_name = "funding"

# Mounted under /<municipality>/... by portal/urls.py.
urlpatterns: list = []
