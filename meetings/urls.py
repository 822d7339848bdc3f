"""Meetings live under both tenants: ``/<municipality>/overleg/...`` and
``/regio/<region>/overleg/...``. Each route exists twice; the regional copy is named
``region_<name>`` and names its object kwargs ``region_<kwarg>`` (so the URL x role test can
fill them with a regional object). Views read either through ``views.base.kw``. Meetings and
actions have distinct prefixes (``vergaderingen/``, ``actiepunten/``) so the navigation marks
one of them as the current page. The signed links for external owners are tenant-free
(views/external.py)."""

import re

from django.urls import path

from .views import actions as action_views
from .views import external as external_views
from .views import meetings as meeting_views
from .views import sent as sent_views

app_name = "meetings"

ROUTES = [
    ("vergaderingen/", meeting_views.MeetingListView.as_view(), "meeting_list"),
    ("vergaderingen/nieuw/", meeting_views.MeetingCreateView.as_view(), "meeting_create"),
    (
        "vergaderingen/<int:meeting_id>/",
        meeting_views.MeetingDetailView.as_view(),
        "meeting_detail",
    ),
    (
        "vergaderingen/<int:meeting_id>/wijzigen/",
        meeting_views.MeetingUpdateView.as_view(),
        "meeting_update",
    ),
    (
        "vergaderingen/<int:meeting_id>/agenda.pdf",
        meeting_views.meeting_agenda_pdf,
        "meeting_agenda_pdf",
    ),
    (
        "vergaderingen/<int:meeting_id>/verslag.pdf",
        meeting_views.meeting_minutes_pdf,
        "meeting_minutes_pdf",
    ),
    (
        "vergaderingen/<int:meeting_id>/agenda.ics",
        meeting_views.meeting_ics_download,
        "meeting_ics",
    ),
    ("vergaderingen/<int:meeting_id>/versturen/", meeting_views.meeting_send, "meeting_send"),
    (
        "vergaderingen/<int:meeting_id>/verstuurd/<int:sent_document_id>/",
        sent_views.sent_document_download,
        "sent_document_download",
    ),
    (
        "vergaderingen/<int:meeting_id>/deelnemers/",
        meeting_views.participant_add,
        "participant_add",
    ),
    (
        "vergaderingen/<int:meeting_id>/deelnemers/<int:participant_id>/verwijderen/",
        meeting_views.participant_remove,
        "participant_remove",
    ),
    (
        "vergaderingen/<int:meeting_id>/bijlagen/",
        meeting_views.attachment_upload,
        "attachment_upload",
    ),
    (
        "vergaderingen/<int:meeting_id>/bijlagen/<int:attachment_id>/",
        meeting_views.attachment_download,
        "attachment_download",
    ),
    (
        "vergaderingen/<int:meeting_id>/agenda/nieuw/",
        meeting_views.AgendaItemCreateView.as_view(),
        "agenda_item_create",
    ),
    (
        "vergaderingen/<int:meeting_id>/agenda/<int:agenda_item_id>/",
        meeting_views.AgendaItemUpdateView.as_view(),
        "agenda_item_update",
    ),
    (
        "vergaderingen/<int:meeting_id>/agenda/<int:agenda_item_id>/verwijderen/",
        meeting_views.agenda_item_delete,
        "agenda_item_delete",
    ),
    (
        "vergaderingen/<int:meeting_id>/agenda/<int:agenda_item_id>/besluit/",
        meeting_views.DecisionCreateView.as_view(),
        "decision_create",
    ),
    (
        "vergaderingen/<int:meeting_id>/actiepunten/nieuw/",
        action_views.ActionCreateView.as_view(),
        "action_create",
    ),
    (
        "vergaderingen/<int:meeting_id>/actiepunten/bespreking/",
        action_views.reviews_record,
        "reviews_record",
    ),
    (
        "vergaderingen/reeksen/<int:series_id>/",
        meeting_views.SeriesDetailView.as_view(),
        "series_detail",
    ),
    (
        "vergaderingen/reeksen/<int:series_id>/vast/<int:standing_item_id>/verwijderen/",
        meeting_views.standing_item_delete,
        "standing_item_delete",
    ),
    ("actiepunten/", action_views.ActionListView.as_view(), "action_list"),
    ("actiepunten/export/", action_views.action_export, "action_export"),
    ("actiepunten/bulk/", action_views.action_bulk, "action_bulk"),
    ("actiepunten/<int:action_id>/", action_views.ActionDetailView.as_view(), "action_detail"),
    (
        "actiepunten/<int:action_id>/wijzigen/",
        action_views.ActionUpdateView.as_view(),
        "action_update",
    ),
    ("actiepunten/<int:action_id>/voortgang/", action_views.action_progress, "action_progress"),
]

urlpatterns = [
    path("actiepunt/<str:token>/", external_views.action_external, name="action_external"),
    path(
        "herinneringen/afmelden/<str:token>/",
        external_views.reminders_unsubscribe,
        name="reminders_unsubscribe",
    ),
]
for route, view, name in ROUTES:
    urlpatterns.append(path(f"<slug:municipality>/overleg/{route}", view, name=name))
    regional = re.sub(r"<int:(\w+)>", r"<int:region_\1>", route)
    urlpatterns.append(path(f"regio/<slug:region>/overleg/{regional}", view, name=f"region_{name}"))
