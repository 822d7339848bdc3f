from django.urls import path

# Spending reports, under /<municipality>/financien/rapportages/ (namespace "funding").
urlpatterns: list = []
