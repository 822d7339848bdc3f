"""Series: the next meeting gets the standing items and every open action in its review block;
what the chair records there shows in both meetings' minutes."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from meetings import services
from meetings.models import ActionItem, ActionReview, AgendaItem, Meeting
from portal.exceptions import ApplicationError
from portal.models import Role

from . import factories as f

pytestmark = pytest.mark.django_db


def _lea_meeting(world, lea, title, *, days):
    """A meeting of the LEA series ``days`` from now (negative: in the past)."""
    return services.meeting_create(
        actor=None,
        municipality=world.municipality,
        series=lea["series"],
        type="lea",
        title=title,
        starts_at=timezone.now() + datetime.timedelta(days=days),
    )


@pytest.fixture
def lea(world):
    """An LEA series with the akkoord as standing item and a held first meeting with actions."""
    series = f.MeetingSeriesFactory(municipality=world.municipality, name="LEA Midden-Groningen")
    f.StandingItemFactory(series=series, title="Onderwijskansenakkoord", order=10)
    f.StandingItemFactory(series=series, title="Mededelingen", order=5)
    first = f.MeetingFactory(
        municipality=world.municipality,
        series=series,
        title="LEA maart",
        starts_at=timezone.now() - datetime.timedelta(days=60),
        status="held",
    )
    f.ParticipantFactory(meeting=first, name="Manager", organisation="Kinderopvang")
    open_action = f.ActionItemFactory(meeting=first, description="Inventarisatie kindcentra")
    busy_action = f.ActionItemFactory(
        meeting=first, description="Werkgroep starten", status="in_progress"
    )
    done_action = f.ActionItemFactory(meeting=first, description="Al afgerond", status="done")
    other_series_action = f.ActionItemFactory(
        description="Ander overleg", meeting=f.MeetingFactory(municipality=world.municipality)
    )
    return {
        "series": series,
        "first": first,
        "open": open_action,
        "busy": busy_action,
        "done": done_action,
        "unrelated": other_series_action,
    }


def _chair(world, client):
    client.force_login(world.users[Role.LEA_CHAIR])
    return client


def test_next_meeting_of_series_gets_standing_items_participants_and_open_actions(
    world, lea, client
):
    _chair(world, client)
    url = reverse("meetings:meeting_create", kwargs={"municipality": "midden-groningen"})
    start = timezone.localtime() + datetime.timedelta(days=7)
    response = client.post(
        url,
        {
            "series": lea["series"].pk,
            "type": "lea",
            "title": "LEA juni",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "location": "Gemeentehuis",
            "chair": world.users[Role.LEA_CHAIR].pk,
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        meeting = Meeting.objects.get(title="LEA juni")
        assert [i.title for i in meeting.agenda_items.all()] == [
            "Mededelingen",
            "Onderwijskansenakkoord",
        ]
        assert all(i.standing_item_id for i in meeting.agenda_items.all())
        assert {r.action_id for r in meeting.reviews.all()} == {lea["open"].pk, lea["busy"].pk}
        assert [p.organisation for p in meeting.participants.all()] == ["Kinderopvang"]
    assert response["Location"] == meeting.get_absolute_url()
    page = client.get(response["Location"]).content.decode()
    assert "Inventarisatie kindcentra" in page and "Werkgroep starten" in page
    assert "Al afgerond" not in page and "Ander overleg" not in page


def test_carry_over_is_idempotent_and_counts_meetings_an_action_was_open(world, lea):
    with scope(municipality=world.municipality):
        second = _lea_meeting(world, lea, "LEA 2", days=-30)
        assert services.actions_carry_over(meeting=second) == 0
        third = _lea_meeting(world, lea, "LEA 3", days=0)
        assert ActionReview.objects.filter(meeting=third).count() == 2
        from meetings.selectors import actions
        from portal.permissions import Access, grants_for

        access = Access(
            municipality=world.municipality,
            roles=frozenset({Role.LEA_CHAIR}),
            grants=grants_for({Role.LEA_CHAIR}),
        )
        counts = {
            a.pk: a.meeting_count for a in actions(access=access, user=world.users[Role.LEA_CHAIR])
        }
    assert counts[lea["open"].pk] == 3  # its own meeting and two reviews
    assert counts[lea["done"].pk] == 1


def test_series_of_another_tenant_is_refused(world, lea):
    with scopes_disabled(), pytest.raises(ApplicationError):
        services.meeting_create(
            actor=None,
            municipality=world.other_municipality,
            series=lea["series"],
            type="lea",
            title="x",
            starts_at=timezone.now(),
        )


def _pdf_text(response):
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    return " ".join(text.split())


def test_closing_an_action_in_the_review_shows_in_both_meetings_minutes(world, lea, client):
    _chair(world, client)
    with scope(municipality=world.municipality):
        second = _lea_meeting(world, lea, "LEA juni", days=0)
        review = ActionReview.objects.get(meeting=second, action=lea["open"])
    record = reverse(
        "meetings:reviews_record",
        kwargs={"municipality": "midden-groningen", "meeting_id": second.pk},
    )
    response = client.post(
        record,
        {f"status-{review.pk}": "done", f"note-{review.pk}": "Inventarisatie besproken en klaar"},
    )
    assert response.status_code == 302
    with scopes_disabled():
        action = ActionItem.objects.get(pk=lea["open"].pk)
        assert action.status == "done" and action.closed_at is not None
        assert action.notes.get().text == "Inventarisatie besproken en klaar"

    kwargs = {"municipality": "midden-groningen"}
    second_minutes = _pdf_text(
        client.get(
            reverse("meetings:meeting_minutes_pdf", kwargs={**kwargs, "meeting_id": second.pk})
        )
    )
    assert "Inventarisatie kindcentra" in second_minutes
    assert "Inventarisatie besproken en klaar" in second_minutes and "afgerond" in second_minutes
    first_minutes = _pdf_text(
        client.get(
            reverse(
                "meetings:meeting_minutes_pdf", kwargs={**kwargs, "meeting_id": lea["first"].pk}
            )
        )
    )
    # The origin meeting's minutes list the action as it was at that meeting (issue 10 §4):
    # closing it two months later does not change the old minutes.
    assert "Inventarisatie kindcentra" in first_minutes
    entry = first_minutes[first_minutes.index("Inventarisatie kindcentra") :][:120]
    assert "open" in entry and "afgerond" not in entry, entry


def test_standing_item_added_on_series_page_reaches_next_meeting(world, lea, client):
    _chair(world, client)
    url = reverse(
        "meetings:series_detail",
        kwargs={"municipality": "midden-groningen", "series_id": lea["series"].pk},
    )
    assert client.post(url, {"title": "Thuiszitters", "order": ""}).status_code == 302
    with scope(municipality=world.municipality):
        meeting = _lea_meeting(world, lea, "LEA volgend", days=0)
        assert "Thuiszitters" in [i.title for i in AgendaItem.objects.filter(meeting=meeting)]


def test_agenda_item_links_schools_activities_and_grants_and_decision_with_amount(world, client):
    client.force_login(world.users[Role.POLICY_OFFICER])
    meeting = f.MeetingFactory(municipality=world.municipality)
    activity = f.ActivityFactory(
        municipality=world.municipality, name="Versterken samenwerking kindcentra"
    )
    grant = f.GrantFactory(municipality=world.municipality, reference="OKA-2023")
    kwargs = {"municipality": "midden-groningen", "meeting_id": meeting.pk}
    response = client.post(
        reverse("meetings:agenda_item_create", kwargs=kwargs),
        {
            "title": "Onderwijskansenakkoord",
            "schools": [world.school.pk],
            "activities": [activity.pk],
            "grants": [grant.pk],
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        item = AgendaItem.objects.get(meeting=meeting)
    response = client.post(
        reverse("meetings:decision_create", kwargs={**kwargs, "agenda_item_id": item.pk}),
        {
            "text": "EUR 200.000 voor activiteiten van het akkoord",
            "amount": "200000,00",
            "grant": grant.pk,
        },
    )
    assert response.status_code == 302
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert (
        "OBS De Vlonder" in page
        and "Versterken samenwerking kindcentra" in page
        and "OKA-2023" in page
    )
    assert "€\xa0200.000,00" in page
    with scopes_disabled():
        decision = item.decisions.get()
        assert (decision.amount, decision.grant) == (Decimal("200000.00"), grant)


def test_grant_picker_only_for_those_who_read_grants(world, client):
    """roles.md: the LEA chair sees grants in aggregate only, so is offered no list of them;
    saving an agenda item then keeps the links a policy officer made."""
    meeting = f.MeetingFactory(municipality=world.municipality)
    item = f.AgendaItemFactory(meeting=meeting, title="Akkoord")
    grant = f.GrantFactory(municipality=world.municipality, reference="OKA-2023")
    item.grants.add(grant)
    _chair(world, client)
    url = reverse(
        "meetings:agenda_item_update",
        kwargs={
            "municipality": "midden-groningen",
            "meeting_id": meeting.pk,
            "agenda_item_id": item.pk,
        },
    )
    form = client.get(url).context["form"]
    assert "grants" not in form.fields and "activities" in form.fields
    assert (
        client.post(url, {"title": "Akkoord (herzien)", "schools": [world.school.pk]}).status_code
        == 302
    )
    with scopes_disabled():
        assert list(item.grants.all()) == [grant] and list(item.schools.all()) == [world.school]


def test_agenda_item_of_another_municipality_school_is_rejected(world, client):
    _chair(world, client)
    meeting = f.MeetingFactory(municipality=world.municipality)
    response = client.post(
        reverse(
            "meetings:agenda_item_create",
            kwargs={"municipality": "midden-groningen", "meeting_id": meeting.pk},
        ),
        {"title": "x", "schools": [world.foreign_school.pk]},
    )
    assert response.status_code == 400
    with scopes_disabled():
        assert not AgendaItem.objects.filter(meeting=meeting).exists()


def test_action_recorded_after_the_next_meeting_was_planned_joins_its_review_block(world, lea):
    with scope(municipality=world.municipality):
        planned = _lea_meeting(world, lea, "LEA gepland", days=30)
        action = services.action_create(
            actor=None,
            meeting=lea["first"],
            description="Later vastgelegd",
            owner_name="Adviseur",
            owner_organisation="Bibliotheek",
        )
        assert ActionReview.objects.filter(meeting=planned, action=action).exists()
