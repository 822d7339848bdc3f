"""Meetings live under both tenants: ``/<municipality>/overleg/...`` and
``/regio/<region>/overleg/...``. Each route exists twice; the regional copy is named
``region_<name>`` and names its object kwargs ``region_<kwarg>`` (so the URL x role test can
fill them with a regional object). Views read either through ``views.kw``. Meetings and
actions have distinct prefixes (``vergaderingen/``, ``actiepunten/``) so the navigation marks
one of them as the current page. The signed links for external owners are tenant-free."""

import re

from django.urls import path

from . import sent_views, views

app_name = "meetings"

ROUTES = [
    ("vergaderingen/", views.MeetingListView.as_view(), "meeting_list"),
    ("vergaderingen/nieuw/", views.MeetingCreateView.as_view(), "meeting_create"),
    ("vergaderingen/<int:meeting_id>/", views.MeetingDetailView.as_view(), "meeting_detail"),
    (
        "vergaderingen/<int:meeting_id>/wijzigen/",
        views.MeetingUpdateView.as_view(),
        "meeting_update",
    ),
    ("vergaderingen/<int:meeting_id>/agenda.pdf", views.meeting_agenda_pdf, "meeting_agenda_pdf"),
    (
        "vergaderingen/<int:meeting_id>/verslag.pdf",
        views.meeting_minutes_pdf,
        "meeting_minutes_pdf",
    ),
    ("vergaderingen/<int:meeting_id>/agenda.ics", views.meeting_ics_download, "meeting_ics"),
    ("vergaderingen/<int:meeting_id>/versturen/", views.meeting_send, "meeting_send"),
    (
        "vergaderingen/<int:meeting_id>/verstuurd/<int:sent_document_id>/",
        sent_views.sent_document_download,
        "sent_document_download",
    ),
    ("vergaderingen/<int:meeting_id>/deelnemers/", views.participant_add, "participant_add"),
    (
        "vergaderingen/<int:meeting_id>/deelnemers/<int:participant_id>/verwijderen/",
        views.participant_remove,
        "participant_remove",
    ),
    ("vergaderingen/<int:meeting_id>/bijlagen/", views.attachment_upload, "attachment_upload"),
    (
        "vergaderingen/<int:meeting_id>/bijlagen/<int:attachment_id>/",
        views.attachment_download,
        "attachment_download",
    ),
    (
        "vergaderingen/<int:meeting_id>/agenda/nieuw/",
        views.AgendaItemCreateView.as_view(),
        "agenda_item_create",
    ),
    (
        "vergaderingen/<int:meeting_id>/agenda/<int:agenda_item_id>/",
        views.AgendaItemUpdateView.as_view(),
        "agenda_item_update",
    ),
    (
        "vergaderingen/<int:meeting_id>/agenda/<int:agenda_item_id>/verwijderen/",
        views.agenda_item_delete,
        "agenda_item_delete",
    ),
    (
        "vergaderingen/<int:meeting_id>/agenda/<int:agenda_item_id>/besluit/",
        views.DecisionCreateView.as_view(),
        "decision_create",
    ),
    (
        "vergaderingen/<int:meeting_id>/actiepunten/nieuw/",
        views.ActionCreateView.as_view(),
        "action_create",
    ),
    (
        "vergaderingen/<int:meeting_id>/actiepunten/bespreking/",
        views.reviews_record,
        "reviews_record",
    ),
    ("vergaderingen/reeksen/<int:series_id>/", views.SeriesDetailView.as_view(), "series_detail"),
    (
        "vergaderingen/reeksen/<int:series_id>/vast/<int:standing_item_id>/verwijderen/",
        views.standing_item_delete,
        "standing_item_delete",
    ),
    ("actiepunten/", views.ActionListView.as_view(), "action_list"),
    ("actiepunten/export/", views.action_export, "action_export"),
    ("actiepunten/bulk/", views.action_bulk, "action_bulk"),
    ("actiepunten/<int:action_id>/", views.ActionDetailView.as_view(), "action_detail"),
    ("actiepunten/<int:action_id>/wijzigen/", views.ActionUpdateView.as_view(), "action_update"),
    ("actiepunten/<int:action_id>/voortgang/", views.action_progress, "action_progress"),
]

urlpatterns = [
    path("actiepunt/<str:token>/", views.action_external, name="action_external"),
    path(
        "herinneringen/afmelden/<str:token>/",
        views.reminders_unsubscribe,
        name="reminders_unsubscribe",
    ),
]
for route, view, name in ROUTES:
    urlpatterns.append(path(f"<slug:municipality>/overleg/{route}", view, name=name))
    regional = re.sub(r"<int:(\w+)>", r"<int:region_\1>", route)
    urlpatterns.append(path(f"regio/<slug:region>/overleg/{regional}", view, name=f"region_{name}"))
