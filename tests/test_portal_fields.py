"""Model choice fields refuse ids outside the database's integer range before any query
(a huge id used to raise OverflowError on SQLite / DataError on PostgreSQL: a 500)."""

import pytest
from django.core.exceptions import ValidationError
from django.db.models.query import QuerySet
from django.urls import reverse
from django_scopes import scopes_disabled

from funding.models import Activity
from portal.fields import IdModelChoiceField, IdModelMultipleChoiceField
from portal.filters import ModelChoiceFilter
from portal.models import Role
from schools.models import School

from . import factories as f

HUGE = "99999999999999999999"


@pytest.fixture
def schools(world):
    with scopes_disabled():
        yield School.objects.order_by("pk")


@pytest.mark.parametrize(
    "value, code",
    [
        (HUGE, "invalid_choice"),
        (str(2**63), "invalid_choice"),
        ("-1", "invalid_choice"),
        ("0", "invalid_choice"),
        ("abc", "invalid_pk_value"),
        ("1.5", "invalid_pk_value"),
        ("", "invalid_pk_value"),
    ],
)
def test_multiple_field_rejects_bad_ids_without_a_query(
    schools, django_assert_num_queries, value, code
):
    field = IdModelMultipleChoiceField(queryset=schools, required=False)
    with django_assert_num_queries(0), pytest.raises(ValidationError) as error:
        field.clean([value])
    assert error.value.code == code


def test_multiple_field_rejects_a_huge_id_next_to_a_valid_one(
    world, schools, django_assert_num_queries
):
    field = IdModelMultipleChoiceField(queryset=schools)
    with django_assert_num_queries(0), pytest.raises(ValidationError) as error:
        field.clean([str(world.school.pk), HUGE])
    assert error.value.code == "invalid_choice"


def test_multiple_field_accepts_valid_ids(world, schools):
    field = IdModelMultipleChoiceField(queryset=schools)
    assert set(field.clean([str(world.school.pk), world.other_school.pk])) == {
        world.school,
        world.other_school,
    }
    # a valid number that is not a choice is still Django's own invalid_choice
    with pytest.raises(ValidationError) as error:
        field.clean([str(2**63 - 1)])
    assert error.value.code == "invalid_choice"


@pytest.mark.parametrize("value", [HUGE, str(2**63), "-1", "0", "abc", "1.5"])
def test_single_field_rejects_bad_ids_without_a_query(schools, django_assert_num_queries, value):
    field = IdModelChoiceField(queryset=schools)
    with django_assert_num_queries(0), pytest.raises(ValidationError) as error:
        field.clean(value)
    assert error.value.code == "invalid_choice"


def test_single_field_accepts_a_valid_id_and_empty(world, schools):
    assert IdModelChoiceField(queryset=schools).clean(str(world.school.pk)) == world.school
    assert IdModelChoiceField(queryset=schools).clean(world.school.pk) == world.school
    assert IdModelChoiceField(queryset=schools, required=False).clean("") is None
    with pytest.raises(ValidationError) as error:
        IdModelChoiceField(queryset=schools).clean(str(2**63 - 1))
    assert error.value.code == "invalid_choice"


def test_a_text_key_is_left_to_django(db):
    from funding.models import FundingStream

    stream = f.FundingStreamFactory("GOAB")
    field = IdModelChoiceField(queryset=FundingStream.objects.all(), to_field_name="code")
    assert field.clean("GOAB") == stream


# --- end to end: a huge id in a real form is a form error, not a server error -------------------


def test_huge_school_id_on_activity_create_is_a_form_error(world, client):
    client.force_login(world.users[Role.POLICY_OFFICER])
    url = reverse("funding:activity_create", kwargs={"municipality": world.municipality.slug})
    response = client.post(
        url,
        {
            "code": "NEW",
            "name": "Nieuw",
            "themes": ["taal"],
            "start": "2023-08-01",
            "end": "2024-07-31",
            "funding": "GOAB:1000",
            "schools": [HUGE],
            "planned_cost": "1000",
            "menukaart": "",
            "partner": "",
            "description": "",
        },
    )
    assert response.status_code in (200, 400)
    assert "schools" in response.context["form"].errors
    with scopes_disabled():
        assert not Activity.objects.filter(code="NEW").exists()


def test_huge_ids_on_meeting_forms_are_form_errors(world, client):
    meeting = f.MeetingFactory(municipality=world.municipality)
    client.force_login(world.users[Role.POLICY_OFFICER])
    M = {"municipality": world.municipality.slug}
    response = client.post(
        reverse("meetings:agenda_item_create", kwargs={**M, "meeting_id": meeting.pk}),
        {"title": "Punt", "schools": [HUGE], "activities": [HUGE], "grants": [HUGE]},
    )
    assert response.status_code == 400
    assert {"schools", "activities", "grants"} <= set(response.context["form"].errors)
    response = client.post(
        reverse("meetings:action_create", kwargs={**M, "meeting_id": meeting.pk}),
        {"description": "Actie", "owner_user": HUGE, "status": "open", "schools": [HUGE]},
    )
    assert response.status_code == 400
    assert {"owner_user", "schools"} <= set(response.context["form"].errors)
    response = client.post(
        reverse("meetings:action_bulk", kwargs=M), {"status": "done", "actions": [HUGE]}
    )
    assert response.status_code < 500


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field_class",
    [IdModelChoiceField, IdModelMultipleChoiceField, ModelChoiceFilter.field_class],
)
def test_model_select_reads_its_options_without_a_server_side_cursor(
    world, monkeypatch, django_assert_num_queries, field_class
):
    """Options in one plain query (issue 14): ``QuerySet.iterator()`` is a server-side cursor on
    PostgreSQL, three round trips per select. Same choices, same order."""

    def no_iterator(*args, **kwargs):
        raise AssertionError("iterator() used for the options")

    with scopes_disabled():
        field = field_class(queryset=School.objects.order_by("code"))
        expected = [(s.pk, str(s)) for s in School.objects.order_by("code")]
        monkeypatch.setattr(QuerySet, "iterator", no_iterator)
        with django_assert_num_queries(1):
            choices = [(value.value if value else value, label) for value, label in field.choices]
    empty = [] if field_class is IdModelMultipleChoiceField else [("", field.empty_label)]
    assert choices == empty + expected and len(expected) >= 3
