"""Meetings live under both tenants: ``/<municipality>/overleg/...`` and
``/regio/<region>/overleg/...``. Each route exists twice; the regional copy is named
``region_<name>`` and names its object kwargs ``region_<kwarg>`` (so the URL x role test can
fill them with a regional object). Views read either through ``views.kw``. The signed links
for external owners are tenant-free."""

import re

from django.urls import path

from . import views

app_name = "meetings"

ROUTES = [
    ("", views.MeetingListView.as_view(), "meeting_list"),
    ("nieuw/", views.MeetingCreateView.as_view(), "meeting_create"),
    ("<int:meeting_id>/", views.MeetingDetailView.as_view(), "meeting_detail"),
    ("<int:meeting_id>/wijzigen/", views.MeetingUpdateView.as_view(), "meeting_update"),
    ("<int:meeting_id>/agenda.pdf", views.meeting_agenda_pdf, "meeting_agenda_pdf"),
    ("<int:meeting_id>/verslag.pdf", views.meeting_minutes_pdf, "meeting_minutes_pdf"),
    ("<int:meeting_id>/agenda.ics", views.meeting_ics_download, "meeting_ics"),
    ("<int:meeting_id>/deelnemers/", views.participant_add, "participant_add"),
    ("<int:meeting_id>/deelnemers/<int:participant_id>/verwijderen/", views.participant_remove, "participant_remove"),
    ("<int:meeting_id>/bijlagen/", views.attachment_upload, "attachment_upload"),
    ("<int:meeting_id>/bijlagen/<int:attachment_id>/", views.attachment_download, "attachment_download"),
    ("<int:meeting_id>/agenda/nieuw/", views.AgendaItemCreateView.as_view(), "agenda_item_create"),
    ("<int:meeting_id>/agenda/<int:agenda_item_id>/", views.AgendaItemUpdateView.as_view(), "agenda_item_update"),
    ("<int:meeting_id>/agenda/<int:agenda_item_id>/verwijderen/", views.agenda_item_delete, "agenda_item_delete"),
    ("<int:meeting_id>/agenda/<int:agenda_item_id>/besluit/", views.DecisionCreateView.as_view(), "decision_create"),
    ("<int:meeting_id>/actiepunten/nieuw/", views.ActionCreateView.as_view(), "action_create"),
    ("<int:meeting_id>/actiepunten/bespreking/", views.reviews_record, "reviews_record"),
    ("reeksen/<int:series_id>/", views.SeriesDetailView.as_view(), "series_detail"),
    ("reeksen/<int:series_id>/vast/<int:standing_item_id>/verwijderen/", views.standing_item_delete, "standing_item_delete"),
    ("actiepunten/", views.ActionListView.as_view(), "action_list"),
    ("actiepunten/export/", views.action_export, "action_export"),
    ("actiepunten/bulk/", views.action_bulk, "action_bulk"),
    ("actiepunten/<int:action_id>/", views.ActionDetailView.as_view(), "action_detail"),
    ("actiepunten/<int:action_id>/wijzigen/", views.ActionUpdateView.as_view(), "action_update"),
    ("actiepunten/<int:action_id>/voortgang/", views.action_progress, "action_progress"),
]

urlpatterns = [
    path("actiepunt/<str:token>/", views.action_external, name="action_external"),
    path("herinneringen/afmelden/<str:token>/", views.reminders_unsubscribe, name="reminders_unsubscribe"),
]
for route, view, name in ROUTES:
    urlpatterns.append(path(f"<slug:municipality>/overleg/{route}", view, name=name))
    regional = re.sub(r"<int:(\w+)>", r"<int:region_\1>", route)
    urlpatterns.append(path(f"regio/<slug:region>/overleg/{regional}", view, name=f"region_{name}"))
