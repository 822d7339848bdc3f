from django.urls import path

app_name = "meetings"

# Meetings live under both tenants: /<municipality>/overleg/... and /regio/<region>/overleg/...
urlpatterns: list = []
