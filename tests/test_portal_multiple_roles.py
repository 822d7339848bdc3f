"""Users holding two roles get what each role grants on its own, never more (review S1/S7)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from funding.models import Activity
from portal.models import Role

from . import factories as f

M = {"municipality": "midden-groningen"}


@pytest.fixture
def director_and_chair(world):
    """The director of world.school who is also LEA chair of the municipality."""
    user = world.users[Role.SCHOOL_DIRECTOR]
    f.MembershipFactory(user=user, role=Role.LEA_CHAIR, municipality=world.municipality)
    return user


def _activity_post(activity, **changes):
    data = {
        "code": activity.code,
        "name": "Gewijzigd",
        "description": "",
        "themes": ["taal"],
        "sectors": [],
        "start": "01-08-2023",
        "end": "31-07-2024",
        "planned_cost": "999999",
        "menukaart": "",
        "partner": "",
        "funding": "GOAB",
        "version": activity.version,
    }
    data.update(changes)
    return data


def test_director_who_is_also_lea_chair_cannot_change_municipal_activities(
    client, world, director_and_chair
):
    municipal = f.activity_with_funding(municipality=world.municipality, code="MUNI-1")
    client.force_login(director_and_chair)
    url = reverse("funding:activity_update", kwargs={**M, "activity_id": municipal.pk})
    # the LEA chair reads every activity, the director changes only the school's own
    assert (
        client.get(
            reverse("funding:activity_detail", kwargs={**M, "activity_id": municipal.pk})
        ).status_code
        == 200
    )
    assert client.post(url, _activity_post(municipal)).status_code == 403
    with scopes_disabled():
        municipal.refresh_from_db()
    assert municipal.name != "Gewijzigd"


def test_director_who_is_also_coordinator_sees_no_more_meetings_or_actions(client, world):
    user = world.users[Role.SCHOOL_DIRECTOR]
    f.MembershipFactory(
        user=user, role=Role.REGIONAL_COORDINATOR, municipality=None, region=world.region
    )
    meeting = f.MeetingFactory(municipality=world.municipality)  # the director does not take part
    action = f.ActionItemFactory(meeting=meeting, owner_user=world.users[Role.POLICY_OFFICER])
    client.force_login(user)
    assert (
        client.get(
            reverse("meetings:meeting_detail", kwargs={**M, "meeting_id": meeting.pk})
        ).status_code
        == 404
    )
    response = client.post(
        reverse("meetings:action_progress", kwargs={**M, "action_id": action.pk}), {"text": "x"}
    )
    assert response.status_code == 404
    # other schools stay hidden too
    assert (
        client.get(
            reverse("schools:school_detail", kwargs={**M, "school_id": world.other_school.pk})
        ).status_code
        == 404
    )


def test_director_cannot_change_an_intervention_of_a_submitted_scan(client, world):
    scan = f.ScanFactory(school=world.school, submitted=True)
    own = f.activity_with_funding(
        municipality=world.municipality,
        owner_school=world.school,
        code="OWN-1",
        streams=("NPO-SCHOOL",),
    )
    with scopes_disabled():
        scan.interventions.add(own)
    client.force_login(world.users[Role.SCHOOL_DIRECTOR])
    url = reverse("funding:activity_update", kwargs={**M, "activity_id": own.pk})
    response = client.post(url, _activity_post(own, funding="NPO-SCHOOL:999999"))
    assert response.status_code == 400
    assert "ingediende schoolscan" in response.content.decode()
    with scopes_disabled():
        own.refresh_from_db()
        assert own.planned_cost != Decimal("999999")


def test_a_schools_own_intervention_cannot_be_pointed_at_other_schools(client, world):
    own = f.activity_with_funding(
        municipality=world.municipality,
        owner_school=world.school,
        code="OWN-2",
        streams=("NPO-SCHOOL",),
    )
    client.force_login(world.users[Role.SCHOOL_DIRECTOR])
    url = reverse("funding:activity_update", kwargs={**M, "activity_id": own.pk})
    response = client.post(
        url, _activity_post(own, funding="NPO-SCHOOL", schools=world.other_school.code)
    )
    assert response.status_code == 400
    with scopes_disabled():
        assert list(Activity.objects.get(pk=own.pk).schools.all()) == []


def test_coordinator_keeps_only_aggregates_on_municipal_pages(client, world):
    client.force_login(world.users[Role.REGIONAL_COORDINATOR])
    assert client.get("/midden-groningen/").status_code == 200
    assert client.get(reverse("meetings:meeting_list", kwargs=M)).status_code == 404
    # schools exist for them as aggregate figures, so the list is forbidden rather than hidden
    assert client.get(reverse("schools:school_list", kwargs=M)).status_code == 403
