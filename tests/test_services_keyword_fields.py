"""Services take the fields they change as keyword arguments (issue 9 §5, instead of a
``data`` dict): a name that is not a field of the record is a programming error and fails
loudly, nothing is written."""

import pytest
from django_scopes import scope

from meetings import services as meeting_services
from meetings.models import ActionItem
from portal.models import Role
from schools import services as school_services

from . import factories as f

pytestmark = pytest.mark.django_db


def test_action_create_refuses_a_name_that_is_no_action_field(world):
    meeting = f.MeetingFactory(municipality=world.municipality)
    with scope(municipality=world.municipality):
        with pytest.raises(TypeError, match="owner_nmae"):
            meeting_services.action_create(
                actor=world.users[Role.LEA_CHAIR],
                meeting=meeting,
                description="Ouderavond",
                owner_nmae="Typefout",
            )
        assert not ActionItem.objects.exists()
        # a relation goes through its own argument, not as a field
        with pytest.raises(TypeError, match="schools"):
            meeting_services.meeting_update(actor=None, meeting=meeting, schools=[world.school])


def test_school_update_changes_named_fields_only(world):
    with scope(municipality=world.municipality):
        school_services.school_update(actor=None, school=world.school, name="OBS De Vlonder 2")
        world.school.refresh_from_db()
        assert world.school.name == "OBS De Vlonder 2"
        with pytest.raises(TypeError, match="code"):
            school_services.school_update(actor=None, school=world.school, code="99ZZ00")
        world.school.refresh_from_db()
        assert world.school.code == "91KA00"
