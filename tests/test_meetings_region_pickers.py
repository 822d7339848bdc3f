"""Region pages offer no school lists and no people of the municipalities (roles.md: a regional
coordinator sees municipalities only in aggregate). The pickers are removed or limited in the
form itself, so a POST cannot set what the page does not show."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from meetings.models import ActionItem, AgendaItem
from portal.models import Role

from . import factories as f

MUNICIPAL_ROLES = [Role.POLICY_OFFICER, Role.SCHOOL_DIRECTOR, Role.LEA_CHAIR, Role.ACCOUNTANT]


@pytest.fixture
def regional(world):
    """A regional meeting of world.region with one agenda item; every user gets a name that
    is easy to spot in a page."""
    for role, user in world.users.items():
        user.first_name = f"Naam-{role.value}"
        user.save()
    meeting = f.MeetingFactory(
        municipality=None, region=world.region, type="kenniskring", title="Kenniskring Noord"
    )
    item = f.AgendaItemFactory(meeting=meeting, title="Samen inkopen")
    return meeting, item


def _region_url(world, name, **kwargs):
    return reverse(
        f"meetings:region_{name}",
        kwargs={"region": world.region.slug, **{f"region_{k}": v for k, v in kwargs.items()}},
    )


def _assert_nothing_municipal(world, page):
    for school in (world.school, world.other_school):
        assert school.name not in page and school.code not in page
    for role in MUNICIPAL_ROLES:
        user = world.users[role]
        assert user.email not in page and user.first_name not in page


def _pages(world, meeting, item):
    return {
        "action_create": _region_url(world, "action_create", meeting_id=meeting.pk),
        "agenda_item_create": _region_url(world, "agenda_item_create", meeting_id=meeting.pk),
        "agenda_item_update": _region_url(
            world, "agenda_item_update", meeting_id=meeting.pk, agenda_item_id=item.pk
        ),
        "meeting_create": _region_url(world, "meeting_create"),
        "meeting_update": _region_url(world, "meeting_update", meeting_id=meeting.pk),
        "meeting_detail": _region_url(world, "meeting_detail", meeting_id=meeting.pk),
    }


@pytest.mark.parametrize(
    "page",
    [
        "action_create",
        "agenda_item_create",
        "agenda_item_update",
        "meeting_create",
        "meeting_update",
        "meeting_detail",
    ],
)
def test_region_forms_show_no_school_and_no_municipal_person(world, regional, client, page):
    meeting, item = regional
    coordinator = world.users[Role.REGIONAL_COORDINATOR]
    client.force_login(coordinator)
    response = client.get(_pages(world, meeting, item)[page])
    assert response.status_code == 200
    _assert_nothing_municipal(world, response.content.decode())
    form = response.context.get("form") or response.context.get("participant_form")
    assert form is not None
    for name in ("schools", "activities", "grants", "activity", "grant"):
        assert name not in form.fields
    for name in ("owner_user", "chair", "user"):
        if name in form.fields:
            assert set(form.fields[name].queryset) == {coordinator}


def test_a_participant_of_the_meeting_may_be_picked_as_owner(world, regional, client):
    meeting, _item = regional
    chair = world.users[Role.LEA_CHAIR]
    f.ParticipantFactory(meeting=meeting, user=chair, name="")
    client.force_login(world.users[Role.REGIONAL_COORDINATOR])
    response = client.get(_region_url(world, "action_create", meeting_id=meeting.pk))
    owners = set(response.context["form"].fields["owner_user"].queryset)
    assert owners == {world.users[Role.REGIONAL_COORDINATOR], chair}
    # ... but the other people of the municipality are still not on the page
    page = response.content.decode()
    for role in (Role.POLICY_OFFICER, Role.SCHOOL_DIRECTOR, Role.ACCOUNTANT):
        assert world.users[role].email not in page and world.users[role].first_name not in page


def test_a_posted_school_is_not_linked_on_region_pages(world, regional, client):
    meeting, item = regional
    client.force_login(world.users[Role.REGIONAL_COORDINATOR])
    response = client.post(
        _region_url(world, "action_create", meeting_id=meeting.pk),
        {
            "description": "Vragen SPUK bundelen",
            "owner_name": "Coördinator",
            "owner_organisation": "Kenniskring",
            "status": "open",
            "schools": [world.school.pk],
        },
    )
    assert response.status_code == 302
    response = client.post(
        _region_url(world, "agenda_item_update", meeting_id=meeting.pk, agenda_item_id=item.pk),
        {"title": "Samen inkopen", "schools": [world.school.pk, world.other_school.pk]},
    )
    assert response.status_code == 302
    response = client.post(
        _region_url(world, "agenda_item_create", meeting_id=meeting.pk),
        {"title": "Nieuw punt", "schools": [world.school.pk]},
    )
    assert response.status_code == 302
    with scopes_disabled():
        action = ActionItem.objects.get(description="Vragen SPUK bundelen")
        assert list(action.schools.all()) == []
        assert not AgendaItem.schools.through.objects.filter(agendaitem__meeting=meeting).exists()
        assert AgendaItem.objects.filter(meeting=meeting, title="Nieuw punt").exists()


def test_a_municipal_user_cannot_be_posted_as_owner_or_chair_on_region_pages(
    world, regional, client
):
    meeting, _item = regional
    director = world.users[Role.SCHOOL_DIRECTOR]
    client.force_login(world.users[Role.REGIONAL_COORDINATOR])
    response = client.post(
        _region_url(world, "action_create", meeting_id=meeting.pk),
        {"description": "Met directeur", "owner_user": director.pk, "status": "open"},
    )
    assert response.status_code == 400
    assert "owner_user" in response.context["form"].errors
    _assert_nothing_municipal(world, response.content.decode())
    response = client.post(
        _region_url(world, "meeting_update", meeting_id=meeting.pk),
        {
            "type": "kenniskring",
            "title": "Kenniskring Noord",
            "starts_at": "2030-01-15T10:00",
            "status": "planned",
            "chair": director.pk,
        },
    )
    assert response.status_code == 400
    assert "chair" in response.context["form"].errors
    with scopes_disabled():
        assert not ActionItem.objects.filter(description="Met directeur").exists()
        meeting.refresh_from_db()
        assert meeting.chair is None


def test_municipality_pages_still_offer_schools_and_their_people(world, client):
    meeting = f.MeetingFactory(municipality=world.municipality)
    client.force_login(world.users[Role.LEA_CHAIR])
    response = client.get(
        reverse(
            "meetings:action_create",
            kwargs={"municipality": world.municipality.slug, "meeting_id": meeting.pk},
        )
    )
    form = response.context["form"]
    assert set(form.fields["schools"].queryset) == {world.school, world.other_school}
    assert world.users[Role.POLICY_OFFICER] in form.fields["owner_user"].queryset
