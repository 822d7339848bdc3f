"""Services take the fields they change as keyword arguments or, for the funding records a
form enters whole, as a typed frozen field set (issue 9 §5, instead of a ``data`` dict): a name
that is not a field of the record, or money that is not a Decimal, is a programming error and
fails loudly, nothing is written."""

import dataclasses
import datetime
from decimal import Decimal

import pytest
from django_scopes import scope, scopes_disabled

from funding.models import Expenditure, FundingStream, Grant
from funding.services.activities import ActivityFields
from funding.services.expenditures import ExpenditureFields
from funding.services.grants import GrantFields, grant_create, grant_update
from meetings import services as meeting_services
from meetings.models import ActionItem
from portal.exceptions import ApplicationError
from portal.models import AuditEvent, Role
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


def test_grant_fields_refuse_a_float_amount_and_the_service_writes_nothing(world):
    with scopes_disabled():
        stream = FundingStream.objects.get(code="GOAB")
    with pytest.raises(TypeError, match=r"GrantFields\.amount must be Decimal, not float"):
        GrantFields(stream=stream, reference="GOAB-F", amount=1000.10)
    with pytest.raises(TypeError, match="carry_over"):
        GrantFields(stream=stream, reference="GOAB-F", amount=Decimal("1.00"), carry_over=None)
    with scopes_disabled():
        assert not Grant.objects.filter(reference="GOAB-F").exists()


def test_a_datetime_is_no_booking_date_and_optional_money_may_be_empty(world):
    with scopes_disabled():
        grant = f.GrantFactory(municipality=world.municipality)
    moment = datetime.datetime(2023, 3, 1, 23, 30)
    with pytest.raises(TypeError, match=r"ExpenditureFields\.date must be date, not datetime"):
        ExpenditureFields(
            booking_id="B-1", grant=grant, date=moment, amount=Decimal("1.00"), supplier="X"
        )
    activity = ActivityFields(
        code="A-1",
        name="Zomerschool",
        themes=["taal"],
        start=datetime.date(2023, 8, 1),
        end=datetime.date(2024, 7, 31),
    )
    assert activity.planned_cost is None and activity.sectors == []
    with pytest.raises(TypeError, match="planned_cost"):
        dataclasses.replace(activity, planned_cost="150000")
    with scopes_disabled():
        assert not Expenditure.objects.exists()


def test_grant_update_takes_the_whole_record_and_audits_only_what_changed(world):
    officer = world.users[Role.POLICY_OFFICER]
    with scopes_disabled():
        stream = FundingStream.objects.get(code="GOAB")
        fields = GrantFields(
            stream=stream,
            reference="GOAB-2023",
            amount=Decimal("1034000.00"),
            window_start=datetime.date(2023, 1, 1),
            window_end=datetime.date(2026, 12, 31),
        )
        grant = grant_create(municipality=world.municipality, actor=officer, fields=fields)
        assert GrantFields.of(grant) == fields
        changed = dataclasses.replace(GrantFields.of(grant), notes="Beschikking OCW")
        grant_update(grant=grant, actor=officer, fields=changed, version=grant.version)
        grant.refresh_from_db()
        event = AuditEvent.objects.get(action="grant.update")
    assert (grant.notes, grant.amount, grant.version) == ("Beschikking OCW", fields.amount, 2)
    assert event.changes == {"notes": ["", "Beschikking OCW"]}


def test_an_action_needs_an_owner_and_a_portal_user_owner_keeps_no_email(world):
    meeting = f.MeetingFactory(municipality=world.municipality)
    chair = world.users[Role.LEA_CHAIR]
    with scope(municipality=world.municipality):
        with pytest.raises(ApplicationError, match="eigenaar"):
            meeting_services.action_create(
                actor=chair, meeting=meeting, description="Ouderavond", owner_email="a@b.example"
            )
        assert not ActionItem.objects.exists()
        action = meeting_services.action_create(
            actor=chair,
            meeting=meeting,
            description="Ouderavond",
            owner_user=world.users[Role.POLICY_OFFICER],
            owner_email="oud@gemeente.example",
        )
        action.refresh_from_db()
        assert (action.owner_user, action.owner_email) == (world.users[Role.POLICY_OFFICER], "")
        meeting_services.action_update(
            actor=chair,
            action=action,
            owner_user=None,
            owner_name="J. de Vries",
            owner_email="j.devries@welzijn.example",
        )
        action.refresh_from_db()
        assert (action.owner_name, action.owner_email) == (
            "J. de Vries",
            "j.devries@welzijn.example",
        )


def test_scan_needs_take_typed_entries_keep_a_note_and_refuse_a_float_share(world):
    with pytest.raises(TypeError, match=r"NeedEntry\.share_of_pupils must be Decimal, not float"):
        school_services.NeedEntry(severity="severe", share_of_pupils=12.5)
    with scope(municipality=world.municipality):
        scan = f.ScanFactory(school=world.school)
        f.NeedFactory(scan=scan, theme="rekenen", severity="limited", note="Groep 5")
        stored = {n.theme: school_services.NeedEntry.of(n) for n in scan.needs.all()}
        school_services.scan_needs_save(
            actor=None,
            scan=scan,
            needs={
                **stored,
                "taal": school_services.NeedEntry(severity="severe", share_of_pupils=Decimal("30")),
            },
        )
        assert sorted(scan.needs.values_list("theme", "severity", "note")) == [
            ("rekenen", "limited", "Groep 5"),
            ("taal", "severe", ""),
        ]
        with pytest.raises(ApplicationError, match="0 en 100"):
            school_services.scan_needs_save(
                actor=None,
                scan=scan,
                needs={
                    "taal": school_services.NeedEntry(
                        severity="severe", share_of_pupils=Decimal("120")
                    )
                },
            )
        school_services.scan_needs_save(
            actor=None, scan=scan, needs={"taal": school_services.NeedEntry()}
        )
        assert not scan.needs.exists(), "a theme without severity, or left out, is removed"
