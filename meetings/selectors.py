"""Reads of the meetings app, narrowed to the page's tenant and to what the user may see.

Object-level rules of roles.md live here, so a view that fetches through a selector cannot
show what the user may not see (``get_object_or_404`` on a selector answers 404):

- a municipality's pages show its own meetings; a region's pages (coordinators) the region's;
- a regional coordinator sees no municipal meetings, only regional ones on the region pages;
- a school director sees the meetings they take part in and only the actions they own;
- an accountant reads meetings, agendas and minutes but no action items.
"""

import datetime

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import (
    ActionItem,
    ActionReview,
    AgendaItem,
    Attachment,
    Decision,
    Meeting,
    MeetingSeries,
    Participant,
    SentDocument,
    StandingItem,
)


def _tenant_filter(access) -> Q:
    if access.region is not None:
        return Q(region=access.region)
    return Q(municipality=access.municipality)


def sees_tenant_meetings(access) -> bool:
    """On a municipality's pages a coordinator (who reaches it only through the region) sees
    no meetings: roles.md gives coordinators regional meetings only."""
    return access.region is not None or access.has("meetings.view")


def meetings(*, access, user):
    """The meetings of the page's tenant that ``user`` may see: all of them, or for a director
    on a municipality's pages only those they take part in; none for a coordinator there
    (roles.md). Series, chair and tenant joined; the base of every meetings read."""
    qs = Meeting.objects.filter(_tenant_filter(access))
    if not sees_tenant_meetings(access):
        return qs.none()
    if access.region is None and access.own_schools_only("meetings.view"):
        qs = qs.filter(Exists(Participant.objects.filter(meeting=OuterRef("pk"), user=user)))
    return qs.select_related("series", "chair", "municipality", "region")


def meeting_list(*, access, user):
    """Meetings with their counts of agenda items and open actions (one query)."""
    agenda_count = (
        AgendaItem._base_manager.filter(meeting=OuterRef("pk"))
        .values("meeting")
        .annotate(c=Count("pk"))
        .values("c")
    )
    open_count = (
        ActionItem._base_manager.filter(meeting=OuterRef("pk"), status__in=ActionItem.OPEN_STATUSES)
        .values("meeting")
        .annotate(c=Count("pk"))
        .values("c")
    )
    return meetings(access=access, user=user).annotate(
        agenda_count=Coalesce(Subquery(agenda_count, output_field=IntegerField()), Value(0)),
        open_action_count=Coalesce(Subquery(open_count, output_field=IntegerField()), Value(0)),
    )


def series(*, access):
    """The meeting series of the page's tenant with their chair (none for a coordinator on a
    municipality's pages, as :func:`meetings`)."""
    if not sees_tenant_meetings(access):
        return MeetingSeries.objects.none()
    return MeetingSeries.objects.filter(_tenant_filter(access)).select_related("chair")


def _review_count():
    return Coalesce(
        Subquery(
            ActionReview._base_manager.filter(action=OuterRef("pk"))
            .values("action")
            .annotate(c=Count("pk"))
            .values("c"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def visible_actions(*, access, user):
    """Which actions the user may see, without what a page needs to show them."""
    if not access.has("actions.view") or not sees_tenant_meetings(access):
        return ActionItem.objects.none()
    qs = ActionItem.objects.filter(_tenant_filter(access))
    if access.region is None and access.own_schools_only("actions.view"):
        qs = qs.filter(owner_user=user)
    return qs


def _for_display(qs):
    """What a list of actions shows: owner, origin meeting and agenda item, linked schools and
    activities, and in how many meetings it has been on the table (its own plus every review)."""
    return (
        qs.select_related("owner_user", "meeting", "agenda_item", "municipality", "region")
        .prefetch_related("schools", "activities")
        .annotate(meeting_count=_review_count() + 1)
    )


def actions(*, access, user):
    """The actions the user may see, ready for a list."""
    return _for_display(visible_actions(access=access, user=user))


def action_list(*, access, user):
    """The actions the user may see, with what the action list shows (:func:`actions` less what
    it does not show): no linked activities (the export and the detail page read them), and on
    a region's pages no schools either (regional actions link none; the column is not shown).
    One query per page plus one for the schools on a municipality's pages."""
    qs = (
        visible_actions(access=access, user=user)
        .select_related("owner_user", "meeting", "agenda_item", "municipality", "region")
        .annotate(meeting_count=_review_count() + 1)
    )
    if access.region is None:
        qs = qs.prefetch_related("schools")
    return qs


def can_update_action(access, user, action) -> bool:
    """Whoever may change actions may update any; an owner (a director) only their own."""
    if access.has("actions.change"):
        return True
    return access.has("actions.update_own") and action.owner_user_id == user.pk


def meeting_detail(*, access, user, pk):
    """The meeting and all a meeting page shows, in a fixed number of queries."""
    return (
        meetings(access=access, user=user)
        .prefetch_related(
            Prefetch(
                "agenda_items",
                queryset=AgendaItem.objects.prefetch_related(
                    "schools",
                    "activities",
                    "grants",
                    Prefetch(
                        "decisions", queryset=Decision.objects.select_related("activity", "grant")
                    ),
                ),
            ),
            Prefetch("participants", queryset=Participant.objects.select_related("user")),
            Prefetch("attachments", queryset=Attachment.objects.all()),
        )
        .get(pk=pk)
    )


def meeting_actions(*, access, user, meeting):
    """Actions agreed in ``meeting`` that the user may see (``access=None``: all of them, for
    the documents sent to the meeting's participants)."""
    base = ActionItem.objects.all() if access is None else visible_actions(access=access, user=user)
    return _for_display(base.filter(meeting=meeting)).order_by("agenda_item__order", "id")


def meeting_page_actions(*, access, user, meeting):
    """:func:`meeting_actions` with only what the meeting page shows of them (description,
    owner, due date, status; grouped by agenda item): no schools, activities or counts of
    meetings, which the page never reads (the documents sent to participants use
    :func:`meeting_actions`). Same actions, same order; one query."""
    return (
        visible_actions(access=access, user=user)
        .filter(meeting=meeting)
        .select_related("owner_user")
        .order_by("agenda_item__order", "id")
    )


def meeting_reviews(*, access, user, meeting):
    """The review block: carried-over actions the user may see, with what was recorded
    (``access=None``: all of them)."""
    reviews = ActionReview.objects.filter(meeting=meeting)
    if access is not None:
        reviews = reviews.filter(action__in=visible_actions(access=access, user=user).values("pk"))
    return (
        reviews.select_related("action", "action__owner_user", "action__meeting", "recorded_by")
        .annotate(
            meeting_count=Coalesce(
                Subquery(
                    ActionReview._base_manager.filter(action=OuterRef("action_id"))
                    .values("action")
                    .annotate(c=Count("pk"))
                    .values("c"),
                    output_field=IntegerField(),
                ),
                Value(0),
            )
            + 1
        )
        .order_by("action__due_date", "action_id")
    )


def school_actions(*, access, user, school):
    """Actions that concern ``school`` (for the school page)."""
    return (
        visible_actions(access=access, user=user)
        .filter(schools=school)
        .select_related("owner_user")
        .order_by("status", "due_date", "id")
    )


def dashboard_summary(*, access, user, today=None):
    """Open and overdue counts, the next meeting, and the actions to act on."""
    today = today or timezone.localdate()
    counts = visible_actions(access=access, user=user).aggregate(
        open=Count("pk", filter=Q(status__in=ActionItem.OPEN_STATUSES)),
        overdue=Count("pk", filter=Q(status__in=ActionItem.OPEN_STATUSES, due_date__lt=today)),
        due_soon=Count(
            "pk",
            filter=Q(
                status__in=ActionItem.OPEN_STATUSES,
                due_date__gte=today,
                due_date__lte=today + datetime.timedelta(days=7),
            ),
        ),
    )
    next_meeting = (
        meetings(access=access, user=user)
        .filter(starts_at__gte=timezone.now())
        .order_by("starts_at")
        .first()
    )
    urgent = list(
        visible_actions(access=access, user=user)
        .open()
        .select_related("owner_user")
        .filter(due_date__lte=today + datetime.timedelta(days=7))
        .order_by("due_date", "id")[:8]
    )
    return {"counts": counts, "next_meeting": next_meeting, "urgent": urgent, "today": today}


# --- what a URL may name (portal.permissions.register_visible): (request) -> queryset -------


def visible_meetings(request):
    """Meetings the request's user may name in a URL (:func:`meetings`)."""
    return meetings(access=request.access, user=request.user)


def _of_visible_meetings(model):
    def visible(request):
        return model.objects.filter(meeting__in=visible_meetings(request).values("pk"))

    visible.__doc__ = f"{model.__name__} objects of the meetings the user may see."
    return visible


def visible_series(request):
    """Meeting series the request's user may name in a URL (:func:`series`)."""
    return series(access=request.access)


def visible_standing_items(request):
    """Standing items of the series the request's user may see."""
    return StandingItem.objects.filter(series__in=visible_series(request).values("pk"))


def visible_action_items(request):
    """Action items the request's user may name in a URL (:func:`visible_actions`)."""
    return visible_actions(access=request.access, user=request.user)


VISIBLE = {
    "meeting_id": visible_meetings,
    "participant_id": _of_visible_meetings(Participant),
    "attachment_id": _of_visible_meetings(Attachment),
    "agenda_item_id": _of_visible_meetings(AgendaItem),
    "sent_document_id": _of_visible_meetings(SentDocument),
    "series_id": visible_series,
    "standing_item_id": visible_standing_items,
    "action_id": visible_action_items,
}
