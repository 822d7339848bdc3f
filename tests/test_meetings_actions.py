"""The chair's action list (filters, sorting, export, bulk status change, pinned query count)
and the owners' updates (directors: only their own actions)."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from meetings.models import ActionItem
from portal.models import AuditEvent, Role

from . import factories as f

pytestmark = pytest.mark.django_db

M = {"municipality": "midden-groningen"}


def _list_url(**params):
    from urllib.parse import urlencode

    return reverse("meetings:action_list", kwargs=M) + (
        "?" + urlencode(params, doseq=True) if params else ""
    )


@pytest.fixture
def actions(world):
    meeting = f.MeetingFactory(municipality=world.municipality, title="LEA juni")
    other_meeting = f.MeetingFactory(
        municipality=world.municipality, title="OOGO ondersteuningsplan", type="oogo"
    )
    today = timezone.localdate()
    late = f.ActionItemFactory(
        meeting=meeting,
        description="Te laat: werkgroep kindcentra",
        owner_organisation="Kinderopvang Noord",
        due_date=today - datetime.timedelta(days=5),
        theme="ve",
    )
    soon = f.ActionItemFactory(
        meeting=meeting,
        description="Activiteitenplan De Vlonder",
        owner_user=world.users[Role.SCHOOL_DIRECTOR],
        owner_organisation="OBS De Vlonder",
        due_date=today + datetime.timedelta(days=2),
        theme="taal",
    )
    soon.schools.add(world.school)
    later = f.ActionItemFactory(
        meeting=other_meeting,
        description="Ondersteuningsplan bespreken",
        owner_organisation="SWV PO",
        due_date=today + datetime.timedelta(days=40),
        status="in_progress",
        theme="zorg",
    )
    done = f.ActionItemFactory(
        meeting=meeting,
        description="Akkoordtekst afgestemd",
        status="done",
        due_date=today - datetime.timedelta(days=30),
    )
    foreign = f.ActionItemFactory(
        meeting=f.MeetingFactory(municipality=world.other_municipality),
        description="Eemsdelta-actie",
    )
    return {
        "meeting": meeting,
        "other_meeting": other_meeting,
        "late": late,
        "soon": soon,
        "later": later,
        "done": done,
        "foreign": foreign,
    }


def _descriptions(response):
    assert response.status_code == 200
    return {a.description for a in response.context["actions"]}


def test_action_list_shows_the_municipalitys_actions_only(world, actions, client):
    client.force_login(world.users[Role.LEA_CHAIR])
    assert _descriptions(client.get(_list_url())) == {
        "Te laat: werkgroep kindcentra",
        "Activiteitenplan De Vlonder",
        "Ondersteuningsplan bespreken",
        "Akkoordtekst afgestemd",
    }


@pytest.mark.parametrize(
    "params,expected",
    [
        (
            {"status": ["open", "in_progress"]},
            {
                "Te laat: werkgroep kindcentra",
                "Activiteitenplan De Vlonder",
                "Ondersteuningsplan bespreken",
            },
        ),
        ({"overdue": "true"}, {"Te laat: werkgroep kindcentra"}),
        ({"organisation": "kinderopvang"}, {"Te laat: werkgroep kindcentra"}),
        ({"owner": "directeur"}, set()),
        ({"theme": "zorg"}, {"Ondersteuningsplan bespreken"}),
        ({"school": "SCHOOL"}, {"Activiteitenplan De Vlonder"}),
        ({"meeting": "OTHER"}, {"Ondersteuningsplan bespreken"}),
        (
            {"due_before": "DUE"},
            {
                "Te laat: werkgroep kindcentra",
                "Activiteitenplan De Vlonder",
                "Akkoordtekst afgestemd",
            },
        ),
    ],
)
def test_action_list_filters(world, actions, client, params, expected):
    client.force_login(world.users[Role.LEA_CHAIR])
    params = {
        k: {
            "SCHOOL": world.school.pk,
            "OTHER": actions["other_meeting"].pk,
            "DUE": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
        }.get(v, v)
        if isinstance(v, str)
        else v
        for k, v in params.items()
    }
    assert _descriptions(client.get(_list_url(**params))) == expected


def test_action_list_filter_by_owner_finds_portal_users_and_external_names(world, actions, client):
    client.force_login(world.users[Role.LEA_CHAIR])
    director = world.users[Role.SCHOOL_DIRECTOR]
    assert _descriptions(client.get(_list_url(owner=director.email))) == {
        "Activiteitenplan De Vlonder"
    }
    assert "Te laat: werkgroep kindcentra" in _descriptions(
        client.get(_list_url(owner="jeugdhulp"))
    )


def test_action_list_sorts_and_marks_overdue_not_by_colour_alone(world, actions, client):
    client.force_login(world.users[Role.LEA_CHAIR])
    response = client.get(_list_url(ordering="-due_date", status=["open", "in_progress"]))
    assert [a.description for a in response.context["actions"]] == [
        "Ondersteuningsplan bespreken",
        "Activiteitenplan De Vlonder",
        "Te laat: werkgroep kindcentra",
    ]
    page = response.content.decode()
    row = page[page.index("Te laat: werkgroep kindcentra") :]
    assert 'class="overdue"' in row[:600] and "te laat" in row[:600]


def test_foreign_meeting_is_not_a_filter_choice(world, actions, client):
    client.force_login(world.users[Role.LEA_CHAIR])
    with scopes_disabled():
        foreign_meeting = actions["foreign"].meeting_id
    response = client.get(_list_url(meeting=foreign_meeting))
    assert response.context["filter"].errors  # not a valid choice: the list is not filtered by it
    assert "Eemsdelta-actie" not in response.content.decode()


def test_export_csv_and_xlsx_of_the_filtered_list(world, actions, client):
    client.force_login(world.users[Role.LEA_CHAIR])
    url = reverse("meetings:action_export", kwargs=M)
    response = client.get(url, {"status": ["open", "in_progress"], "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["id", "omschrijving", "eigenaar"]
    assert {r[1] for r in rows[1:]} == {
        "Te laat: werkgroep kindcentra",
        "Activiteitenplan De Vlonder",
        "Ondersteuningsplan bespreken",
    }
    late = next(r for r in rows[1:] if r[1].startswith("Te laat"))
    assert late[6] == "ja"
    soon = next(r for r in rows[1:] if r[1] == "Activiteitenplan De Vlonder")
    assert soon[11] == "91KA00" and soon[13] == "1"

    response = client.get(url, {"overdue": "true", "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][1] == "omschrijving" and [v[1] for v in values[1:]] == [
        "Te laat: werkgroep kindcentra"
    ]
    assert isinstance(values[1][4], datetime.datetime)  # a real date, sortable in Excel


def test_bulk_status_change_updates_selected_actions_and_audits(world, actions, client):
    client.force_login(world.users[Role.LEA_CHAIR])
    ids = [actions["late"].pk, actions["soon"].pk, actions["foreign"].pk]
    response = client.post(
        reverse("meetings:action_bulk", kwargs=M),
        {"status": "done", "actions": ids[:2], "next": _list_url(status="open")},
    )
    assert response.status_code == 302 and response["Location"] == _list_url(status="open")
    with scopes_disabled():
        assert set(ActionItem.objects.filter(pk__in=ids[:2]).values_list("status", flat=True)) == {
            "done"
        }
        assert (
            AuditEvent.objects.filter(
                action="action.update", object_id__in=[str(i) for i in ids[:2]]
            ).count()
            == 2
        )


def test_bulk_status_change_refuses_another_municipalitys_action(world, actions, client):
    client.force_login(world.users[Role.LEA_CHAIR])
    client.post(
        reverse("meetings:action_bulk", kwargs=M),
        {"status": "done", "actions": [actions["late"].pk, actions["foreign"].pk]},
    )
    with scopes_disabled():
        assert ActionItem.objects.get(pk=actions["foreign"].pk).status == "open"
        assert (
            ActionItem.objects.get(pk=actions["late"].pk).status == "open"
        )  # the whole form was invalid


def _make_actions(world, n):
    meeting = f.MeetingFactory(municipality=world.municipality)
    activity = f.ActivityFactory(municipality=world.municipality)
    for i in range(n):
        action = f.ActionItemFactory(
            meeting=meeting, owner_user=world.users[Role.POLICY_OFFICER] if i % 2 else None
        )
        action.schools.add(world.school)
        action.activities.add(activity)
        f.ActionReviewFactory(
            action=action, meeting=f.MeetingFactory(municipality=world.municipality)
        )


@pytest.mark.parametrize("n", [3, 30])
def test_action_list_query_count_is_pinned_and_independent_of_size(
    world, client, django_assert_num_queries, n
):
    _make_actions(world, n)
    client.force_login(world.users[Role.LEA_CHAIR])
    # 1 session, 2 user, 3 municipality, 4 memberships (middleware), 5 count (paginator),
    # 6 meeting and 7 school choices of the filter form, 8 the page of actions (owner, meeting,
    # agenda item joined; meeting count as a subquery), 9 their schools (the list shows no
    # activities: none read)
    with django_assert_num_queries(9):
        response = client.get(_list_url())
    assert len(response.context["actions"]) == n


def test_director_sees_only_own_actions_and_updates_their_status_and_notes(world, actions, client):
    director = world.users[Role.SCHOOL_DIRECTOR]
    client.force_login(director)
    assert _descriptions(client.get(_list_url())) == {"Activiteitenplan De Vlonder"}
    own = reverse("meetings:action_progress", kwargs={**M, "action_id": actions["soon"].pk})
    assert (
        client.post(own, {"status": "in_progress", "note": "Plan in concept klaar"}).status_code
        == 302
    )
    with scopes_disabled():
        action = ActionItem.objects.get(pk=actions["soon"].pk)
        assert action.status == "in_progress"
        note = action.notes.get()
        assert (note.text, note.author) == ("Plan in concept klaar", director)
    other = reverse("meetings:action_progress", kwargs={**M, "action_id": actions["late"].pk})
    assert client.post(other, {"status": "done", "note": "x"}).status_code == 404
    assert (
        client.get(
            reverse("meetings:action_detail", kwargs={**M, "action_id": actions["late"].pk})
        ).status_code
        == 404
    )
    # Directors may not edit the action itself, nor bulk-change.
    assert (
        client.get(
            reverse("meetings:action_update", kwargs={**M, "action_id": actions["soon"].pk})
        ).status_code
        == 403
    )


def test_director_sees_only_meetings_they_take_part_in(world, actions, client):
    director = world.users[Role.SCHOOL_DIRECTOR]
    f.ParticipantFactory(meeting=actions["meeting"], user=director, name="")
    client.force_login(director)
    response = client.get(reverse("meetings:meeting_list", kwargs=M))
    assert [m.title for m in response.context["meetings"]] == ["LEA juni"]
    detail = reverse(
        "meetings:meeting_detail", kwargs={**M, "meeting_id": actions["other_meeting"].pk}
    )
    assert client.get(detail).status_code == 404
    page = client.get(actions["meeting"].get_absolute_url()).content.decode()
    assert "Activiteitenplan De Vlonder" in page and "Te laat: werkgroep kindcentra" not in page


def test_accountant_reads_meetings_but_no_actions(world, actions, client):
    client.force_login(world.users[Role.ACCOUNTANT])
    page = client.get(actions["meeting"].get_absolute_url())
    assert page.status_code == 200
    assert "Te laat: werkgroep kindcentra" not in page.content.decode()
    assert client.get(_list_url()).status_code == 404


def test_chair_creates_action_with_external_owner(world, client):
    client.force_login(world.users[Role.LEA_CHAIR])
    meeting = f.MeetingFactory(municipality=world.municipality)
    item = f.AgendaItemFactory(meeting=meeting)
    url = reverse("meetings:action_create", kwargs={**M, "meeting_id": meeting.pk})
    response = client.post(
        url,
        {
            "agenda_item": item.pk,
            "description": "Wachtlijst jeugd-GGZ in beeld",
            "owner_name": "Regiomanager",
            "owner_organisation": "Jeugdhulpregio",
            "owner_email": "Regio@Jeugdhulp.example",
            "due_date": "2030-01-31",
            "status": "open",
            "theme": "zorg",
            "schools": [world.school.pk],
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        action = ActionItem.objects.get(description="Wachtlijst jeugd-GGZ in beeld")
        assert (action.municipality, action.agenda_item, action.owner_address) == (
            world.municipality,
            item,
            "regio@jeugdhulp.example",
        )
        assert list(action.schools.all()) == [world.school]
    response = client.post(url, {"description": "Zonder eigenaar", "status": "open"})
    assert response.status_code == 400


def test_coordinator_manages_regional_actions_on_region_pages(world, client):
    coordinator = world.users[Role.REGIONAL_COORDINATOR]
    regional = f.MeetingFactory(
        municipality=None, region=world.region, type="kenniskring", title="Kenniskring Noord"
    )
    action = f.ActionItemFactory(meeting=regional, description="Vragen SPUK bundelen")
    f.ActionItemFactory(
        meeting=f.MeetingFactory(municipality=world.municipality), description="Gemeentelijke actie"
    )
    client.force_login(coordinator)
    url = reverse("meetings:region_action_list", kwargs={"region": world.region.slug})
    assert _descriptions(client.get(url)) == {"Vragen SPUK bundelen"}
    bulk = reverse("meetings:region_action_bulk", kwargs={"region": world.region.slug})
    assert client.post(bulk, {"status": "done", "actions": [action.pk]}).status_code == 302
    with scopes_disabled():
        assert ActionItem.objects.get(pk=action.pk).status == "done"
    # The municipality's meetings are not the coordinator's.
    assert client.get(_list_url()).status_code == 404
