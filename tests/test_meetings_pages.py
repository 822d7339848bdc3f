"""Meeting pages, panels on pages of other apps, the tenant guard, attachments and the demo."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_scopes import ScopeError, scope, scopes_disabled

from meetings.models import ActionItem, Attachment, Meeting, Participant
from meetings.panels import dashboard_panels, school_panels
from portal import dashboard
from portal.models import AuditEvent, Role
from portal.permissions import Access, grants_for

from . import factories as f

pytestmark = pytest.mark.django_db
M = {"municipality": "midden-groningen"}


def _request(world, role, region=False):
    request = RequestFactory().get("/")
    request.user = world.users[role]
    if region:
        request.access = Access(
            region=world.region, roles=frozenset({role}), grants=grants_for({role}, region=True)
        )
    else:
        school_ids = frozenset({world.school.pk}) if role == Role.SCHOOL_DIRECTOR else frozenset()
        request.access = Access(
            municipality=world.municipality,
            roles=frozenset({role}),
            school_ids=school_ids,
            grants=grants_for({role}),
        )
    return request


def test_queries_without_a_tenant_scope_fail_closed(world):
    f.MeetingFactory(municipality=world.municipality)
    with pytest.raises(ScopeError):
        list(Meeting.objects.all())


def test_a_municipality_scope_sees_its_meetings_and_its_regions_but_not_other_municipalities(world):
    own = f.MeetingFactory(municipality=world.municipality)
    regional = f.MeetingFactory(municipality=None, region=world.region)
    foreign = f.MeetingFactory(municipality=world.other_municipality)
    f.MeetingFactory(municipality=None, region=f.RegionFactory())  # a region without GM1952
    with scope(municipality=world.municipality):
        assert set(Meeting.objects.all()) == {own, regional}
    with scope(municipality=[world.other_municipality.pk]):
        assert set(Meeting.objects.all()) == {foreign}


def test_meeting_list_has_a_fixed_query_count(world, client, django_assert_max_num_queries):
    for _ in range(12):
        meeting = f.MeetingFactory(municipality=world.municipality)
        f.AgendaItemFactory(meeting=meeting)
        f.ActionItemFactory(meeting=meeting)
    client.force_login(world.users[Role.LEA_CHAIR])
    # session, user, municipality, memberships, count, the page with counts as subqueries,
    # series, navigation needs none
    with django_assert_max_num_queries(8):
        response = client.get(reverse("meetings:meeting_list", kwargs=M))
    assert len(response.context["meetings"]) == 12
    assert all(
        m.agenda_count == 1 and m.open_action_count == 1 for m in response.context["meetings"]
    )


def test_chair_plans_a_meeting_with_a_new_series_and_adds_participants(world, client):
    client.force_login(world.users[Role.LEA_CHAIR])
    start = (timezone.localtime() + datetime.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("meetings:meeting_create", kwargs=M),
        {
            "new_series_name": "OOGO Midden-Groningen",
            "type": "oogo",
            "title": "OOGO ondersteuningsplan",
            "starts_at": start,
            "online_url": "https://vergaderen.example/oogo",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        meeting = Meeting.objects.get(title="OOGO ondersteuningsplan")
        assert (
            meeting.series.name == "OOGO Midden-Groningen"
            and meeting.municipality == world.municipality
        )
    url = reverse("meetings:participant_add", kwargs={**M, "meeting_id": meeting.pk})
    client.post(url, {"user": world.users[Role.SCHOOL_DIRECTOR].pk, "organisation_type": "school"})
    client.post(
        url,
        {
            "name": "Jeugdarts",
            "organisation": "GGD",
            "organisation_type": "ggd",
            "email": "jeugdarts@ggd.example",
        },
    )
    with scopes_disabled():
        assert sorted(str(p) for p in Participant.objects.filter(meeting=meeting)) == sorted(
            [str(world.users[Role.SCHOOL_DIRECTOR]), "Jeugdarts (GGD)"]
        )
        assert AuditEvent.objects.filter(
            action="meeting.create", object_id=str(meeting.pk)
        ).exists()
    # the director now takes part, so sees it
    client.force_login(world.users[Role.SCHOOL_DIRECTOR])
    assert client.get(meeting.get_absolute_url()).status_code == 200


def test_meeting_update_records_status_and_minutes(world, client):
    meeting = f.MeetingFactory(municipality=world.municipality, title="LEA")
    client.force_login(world.users[Role.POLICY_OFFICER])
    url = reverse("meetings:meeting_update", kwargs={**M, "meeting_id": meeting.pk})
    data = {
        "type": "lea",
        "title": "LEA",
        "starts_at": timezone.localtime(meeting.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "status": "held",
        "minutes": "Akkoord ondertekend.",
    }
    assert client.post(url, data).status_code == 302
    with scopes_disabled():
        meeting.refresh_from_db()
        assert (meeting.status, meeting.minutes) == ("held", "Akkoord ondertekend.")
        assert AuditEvent.objects.get(action="meeting.update").changes["status"] == [
            "planned",
            "held",
        ]


def test_attachments_are_private_and_permission_checked(world, client):
    meeting = f.MeetingFactory(municipality=world.municipality)
    client.force_login(world.users[Role.LEA_CHAIR])
    upload = reverse("meetings:attachment_upload", kwargs={**M, "meeting_id": meeting.pk})
    client.post(
        upload,
        {"file": SimpleUploadedFile("notitie.pdf", b"%PDF-1.4 akkoord"), "name": "Notitie akkoord"},
    )
    client.post(upload, {"file": SimpleUploadedFile("script.exe", b"MZ")})
    with scopes_disabled():
        attachment = Attachment.objects.get()
    url = reverse(
        "meetings:attachment_download",
        kwargs={**M, "meeting_id": meeting.pk, "attachment_id": attachment.pk},
    )
    response = client.get(url)
    assert (
        response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 akkoord"
    )
    client.force_login(world.users[Role.SCHOOL_DIRECTOR])  # not a participant
    assert client.get(url).status_code == 404
    client.force_login(world.foreign_user)
    assert client.get(url).status_code == 404


def test_school_panel_lists_the_actions_concerning_that_school(world):
    meeting = f.MeetingFactory(municipality=world.municipality)
    concerning = f.ActionItemFactory(meeting=meeting, description="Ouderavond De Vlonder")
    concerning.schools.add(world.school)
    f.ActionItemFactory(meeting=meeting, description="Andere school").schools.add(
        world.other_school
    )
    assert school_panels in dashboard._providers["school"]
    with scope(municipality=world.municipality):
        panels = school_panels(_request(world, Role.POLICY_OFFICER), world.school)
        assert [a.description for a in panels[0].context["actions"]] == ["Ouderavond De Vlonder"]
        assert panels[0].template == "meetings/partials/school_actions.html"
        assert school_panels(_request(world, Role.ACCOUNTANT), world.school) == []


def test_dashboard_panels_per_role(world, client):
    meeting = f.MeetingFactory(
        municipality=world.municipality,
        starts_at=timezone.now() + datetime.timedelta(days=3),
        title="LEA dec",
    )
    f.ActionItemFactory(meeting=meeting, overdue=True, description="Te laat")
    f.ActionItemFactory(
        meeting=meeting,
        owner_user=world.users[Role.SCHOOL_DIRECTOR],
        description="Van de directeur",
    )
    f.MeetingFactory(
        municipality=None,
        region=world.region,
        title="Kenniskring",
        starts_at=timezone.now() + datetime.timedelta(days=5),
    )
    with scope(municipality=world.municipality):
        chair = dashboard_panels(_request(world, Role.LEA_CHAIR))[0]
        assert chair.template.endswith("dashboard_chair.html")
        assert chair.context["counts"] == {"open": 2, "overdue": 1, "due_soon": 1}
        assert chair.context["next_meeting"].title == "LEA dec"
        director = dashboard_panels(_request(world, Role.SCHOOL_DIRECTOR))[0]
        assert [a.description for a in director.context["urgent"]] == ["Van de directeur"]
        assert director.context["next_meeting"] is None  # not a participant
        assert dashboard_panels(_request(world, Role.REGIONAL_COORDINATOR)) == []
    with scope(municipality=[world.municipality.pk]):
        region = dashboard_panels(_request(world, Role.REGIONAL_COORDINATOR, region=True))[0]
        assert (
            region.template.endswith("dashboard_region.html")
            and region.context["next_meeting"].title == "Kenniskring"
        )
    client.force_login(world.users[Role.LEA_CHAIR])
    page = client.get(reverse("portal:dashboard", kwargs=M)).content.decode()
    assert "Te laat" in page and reverse("meetings:action_list", kwargs=M) in page


def test_demo_seed_tells_the_story_and_is_idempotent(db):
    call_command("seed_demo", stdout=io.StringIO())
    with scopes_disabled():
        counts = (Meeting.objects.count(), ActionItem.objects.count())
        signing = Meeting.objects.get(title__contains="ondertekening")
        assert timezone.localtime(signing.starts_at).date() == datetime.date(2023, 6, 19)
        assert signing.agenda_items.filter(
            standing_item__title__contains="Onderwijskansenakkoord"
        ).exists()
        g4 = Meeting.objects.get(title__startswith="G4")
        assert (
            timezone.localtime(g4.starts_at).date() == datetime.date(2021, 2, 5)
            and g4.region
            and g4.actions.count() == 4
        )
        kk = Meeting.objects.get(title__startswith="Kenniskring Noord")
        assert timezone.localtime(kk.starts_at).date() == datetime.date(2021, 9, 14)
        assert any("SPUK" in i.title for i in kk.agenda_items.all())
        werk = Meeting.objects.get(title="Regionale werksessie onderwijs en jeugd")
        assert (
            timezone.localtime(werk.starts_at).date() == datetime.date(2018, 9, 24)
            and werk.actions.count() == 8
        )
        assert Meeting.objects.filter(series=werk.series).count() == 2
        emails = [a.owner_email for a in ActionItem.objects.all() if a.owner_email]
        assert emails and all(e.endswith(".example") for e in emails)
    call_command("seed_demo", stdout=io.StringIO())
    with scopes_disabled():
        assert (Meeting.objects.count(), ActionItem.objects.count()) == counts


def _meeting_with(world, n):
    activity = f.ActivityFactory(municipality=world.municipality)
    grant = f.GrantFactory(municipality=world.municipality)
    meeting = f.MeetingFactory(municipality=world.municipality)
    for _ in range(n):
        item = f.AgendaItemFactory(meeting=meeting)
        item.schools.add(world.school)
        item.activities.add(activity)
        item.grants.add(grant)
        f.DecisionFactory(agenda_item=item, activity=activity, grant=grant)
        f.ActionItemFactory(meeting=meeting, agenda_item=item).schools.add(world.school)
        f.ActionReviewFactory(
            meeting=meeting,
            action=f.ActionItemFactory(meeting=f.MeetingFactory(municipality=world.municipality)),
        )
        f.ParticipantFactory(meeting=meeting)
    return meeting


@pytest.mark.parametrize("n", [2, 12])
def test_meeting_page_query_count_is_independent_of_its_size(
    world, client, django_assert_num_queries, n
):
    meeting = _meeting_with(world, n)
    client.force_login(world.users[Role.LEA_CHAIR])
    # 1-4 session, user, municipality, memberships; 5 meeting; 6 agenda items; 7-9 their
    # schools, activities, grants; 10 decisions (with activity, grant); 11 participants;
    # 12 attachments; 13 actions of the meeting (with their owner: the page shows no schools
    # or activities of them); 14 reviews; 15 users for the participant form; 16 sent versions
    # of the agenda and minutes
    with django_assert_num_queries(16):
        response = client.get(meeting.get_absolute_url())
    assert len(response.context["agenda_items"]) == n and len(response.context["reviews"]) == n


@pytest.mark.parametrize("n", [3, 30])
def test_dashboard_panel_query_count_is_independent_of_size(
    world, client, django_assert_num_queries, n
):
    meeting = f.MeetingFactory(municipality=world.municipality)
    for _ in range(n):
        f.ActionItemFactory(meeting=meeting, overdue=True)
    client.force_login(world.users[Role.LEA_CHAIR])
    # session, user, municipality, memberships; meetings panel: counts, next meeting, urgent
    # actions (owner joined); schools panel for the LEA chair: the latest school year with
    # visible scans and the theme counts of that year; funding panel for the LEA chair: granted,
    # spent and planned funding per stream
    with django_assert_num_queries(12):
        response = client.get(reverse("portal:dashboard", kwargs=M))
    assert response.status_code == 200


def test_coordinator_plans_a_regional_meeting_on_the_region_pages(world, client):
    client.force_login(world.users[Role.REGIONAL_COORDINATOR])
    start = (timezone.localtime() + datetime.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    url = reverse("meetings:region_meeting_create", kwargs={"region": world.region.slug})
    response = client.post(
        url, {"type": "kenniskring", "title": "Kenniskring Noord – SPUK", "starts_at": start}
    )
    assert response.status_code == 302
    with scopes_disabled():
        meeting = Meeting.objects.get(title="Kenniskring Noord – SPUK")
    assert (meeting.region, meeting.municipality) == (world.region, None)
    assert response["Location"] == reverse(
        "meetings:region_meeting_detail",
        kwargs={"region": world.region.slug, "region_meeting_id": meeting.pk},
    )
    assert client.get(response["Location"]).status_code == 200
    # municipal users do not reach region pages
    client.force_login(world.users[Role.LEA_CHAIR])
    assert client.get(response["Location"]).status_code == 404


def test_staff_support_reaches_meetings_and_actions_in_the_admin(world, client):
    from portal.models import User

    action = f.ActionItemFactory(meeting=f.MeetingFactory(municipality=world.municipality))
    client.force_login(User.objects.create_superuser(email="staff@support.example", password="x"))
    for url in [
        "/admin/meetings/meeting/",
        "/admin/meetings/actionitem/",
        f"/admin/meetings/actionitem/{action.pk}/change/",
        "/admin/meetings/sentdigest/",
        "/admin/meetings/meetingseries/",
    ]:
        assert client.get(url).status_code == 200, url


def test_meeting_page_lists_each_action_row_under_its_item_or_loose(world, client):
    """The rows (one include per table, owner read with the action) show link, owner, due date
    and status, under the agenda item they belong to or in the list without an item."""
    meeting = f.MeetingFactory(municipality=world.municipality)
    item = f.AgendaItemFactory(meeting=meeting, title="Agendapunt met actie")
    owner = world.users[Role.POLICY_OFFICER]
    with_item = f.ActionItemFactory(
        meeting=meeting,
        agenda_item=item,
        owner_user=owner,
        due_date=datetime.date(2020, 1, 31),
        description="Offerte opvragen",
    )
    loose = f.ActionItemFactory(meeting=meeting, description="Los actiepunt")
    client.force_login(world.users[Role.LEA_CHAIR])
    page = client.get(meeting.get_absolute_url()).content.decode()
    under_item = page[page.index("Agendapunt met actie") :]
    row = under_item[under_item.index(with_item.get_absolute_url()) :][:700]
    assert "Offerte opvragen" in row and str(owner) in row
    assert "31-01-2020" in row and "te laat" in row and "badge--info" in row
    row = page[page.index(loose.get_absolute_url()) :][:700]
    assert "Los actiepunt" in row and "Coördinator jeugdhulp (Jeugdhulp Noord)" in row
    assert page.index(loose.get_absolute_url()) > page.index(with_item.get_absolute_url())
