"""Amounts and numbers as people type them (issue 10 §2, issue 13): one parser
(portal.fields.parse_amount) behind every form field and every import, text inputs with
inputmode="decimal", values shown back in nl-NL, ambiguous input and fractions of a cent
refused at the field."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from funding import forms as funding_forms
from funding.models import Activity, Expenditure, FundingStream, Grant
from meetings import forms as meeting_forms
from meetings.models import Decision
from portal import imports as im
from portal.fields import AmountField, CountField, DecimalNumberField, NumberError, parse_amount
from portal.models import Role
from schools import forms as school_forms
from schools.models import School

from . import factories as f


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("1234,56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("€ 1.234,56", "1234.56"),
        ("€1.234,56", "1234.56"),
        ("1234.56", "1234.56"),
        ("200000,00", "200000.00"),
        ("200.000,00", "200000.00"),
        ("200000", "200000.00"),
        ("7.500", "7500.00"),
        ("1,234,567", "1234567.00"),
        ("1,234.56", "1234.56"),
        ("12,5", "12.50"),
        ("0,12", "0.12"),
        (" € -12,50 ", "-12.50"),
    ],
)
def test_parse_amount_reads_what_people_mean(typed, expected):
    assert parse_amount(typed) == Decimal(expected)


@pytest.mark.parametrize(
    "typed, hint",
    [
        ("12,345", "schrijf 12.345,00 of 12,35"),
        ("10,005", "schrijf 10.005,00 of 10,01"),
        ("€ 12,345", "schrijf 12.345,00 of 12,35"),
        ("-1,000", "schrijf 1.000,00 of 1,00"),
    ],
)
def test_a_lone_comma_with_three_digits_is_ambiguous(typed, hint):
    with pytest.raises(NumberError) as error:
        parse_amount(typed)
    assert error.value.code == "ambiguous" and hint in str(error.value)


@pytest.mark.parametrize("typed", ["0,125", "1.2345", "12,3456", "1.234,567"])
def test_fractions_of_a_cent_are_refused(typed):
    with pytest.raises(NumberError) as error:
        parse_amount(typed)
    assert error.value.code == "places"


def test_imports_use_the_same_parser():
    assert im.amount("€ 1.234,56") == parse_amount("€ 1.234,56") == Decimal("1234.56")
    with pytest.raises(im.ImportValueError, match="schrijf 12.345,00 of 12,35"):
        im.amount("12,345")
    with pytest.raises(im.ImportValueError, match="meer dan twee decimalen"):
        im.amount("1,2345")
    assert im.integer("1.234") == 1234
    with pytest.raises(im.ImportValueError, match="dubbelzinnig"):
        im.integer("1,234")


def test_amount_field_renders_a_text_input_and_shows_nl_notation():
    field = AmountField(required=False)
    html = field.widget.render("amount", field.prepare_value(Decimal("200000.00")))
    assert 'type="text"' in html and 'inputmode="decimal"' in html
    assert 'value="200.000,00"' in html
    # what the user typed comes back as typed after an error
    assert field.prepare_value("12,345") == "12,345"
    assert field.clean("") is None
    count = CountField(required=False)
    assert 'inputmode="numeric"' in count.widget.render("n", "") and count.clean("1.234") == 1234


def test_field_errors_are_dutch_and_at_the_field():
    field = AmountField(min_value=0)
    with pytest.raises(Exception, match="schrijf 12.345,00 of 12,35"):
        field.clean("12,345")
    with pytest.raises(Exception, match="Vul 0,00 of meer in"):
        field.clean("-5")
    share = DecimalNumberField(decimal_places=2, max_digits=5, min_value=0, max_value=100)
    assert share.clean("12,5") == Decimal("12.50") and share.clean("12.5") == Decimal("12.50")
    with pytest.raises(Exception, match="Vul 100,00 of minder in"):
        share.clean("120")
    with pytest.raises(Exception, match="te groot"):
        AmountField(max_digits=5).clean("12.345,00")


# --- every form with amounts and numbers uses the field ------------------------------------------


@pytest.mark.parametrize(
    "form_class, fields",
    [
        (funding_forms.GrantForm, {"amount": AmountField, "carry_over": AmountField}),
        (funding_forms.ActivityForm, {"planned_cost": AmountField}),
        (
            funding_forms.ExpenditureForm,
            {"amount": AmountField, "depreciation_months": CountField},
        ),
        (school_forms.InterventionForm, {"planned_cost": AmountField}),
        (school_forms.SchoolForm, {"pupil_count": CountField}),
        (meeting_forms.DecisionForm, {"amount": AmountField}),
        (meeting_forms.AgendaItemForm, {"order": CountField}),
        (meeting_forms.StandingItemForm, {"order": CountField}),
    ],
)
def test_every_number_field_is_the_portal_field(form_class, fields):
    for name, cls in fields.items():
        declared = form_class.base_fields[name]
        assert isinstance(declared, cls), f"{form_class.__name__}.{name}"
        assert declared.widget.input_type == "text"


def test_needs_form_share_uses_the_field():
    form = school_forms.NeedsForm()
    assert isinstance(form.fields["taal-share"], DecimalNumberField)


def _post_ok(client, url, data):
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return response


def test_forms_store_what_people_type(client, world):
    client.force_login(world.users[Role.POLICY_OFFICER])
    M = {"municipality": world.municipality.slug}
    with scopes_disabled():
        goab = FundingStream.objects.get(code="GOAB")
    _post_ok(
        client,
        reverse("funding:grant_create", kwargs=M),
        {
            "stream": goab.pk,
            "reference": "G-NL",
            "window_start": "2023-01-01",
            "window_end": "2026-12-31",
            "amount": "€ 4.650.000,00",
            "carry_over": "1034000,00",
            "notes": "",
        },
    )
    with scopes_disabled():
        grant = Grant.objects.get(reference="G-NL")
    assert (grant.amount, grant.carry_over) == (Decimal("4650000.00"), Decimal("1034000.00"))
    # the edit form shows them back in nl-NL
    page = client.get(
        reverse("funding:grant_update", kwargs={**M, "grant_id": grant.pk})
    ).content.decode()
    assert 'value="4.650.000,00"' in page and 'value="1.034.000,00"' in page
    assert 'inputmode="decimal"' in page

    _post_ok(
        client,
        reverse("funding:expenditure_create", kwargs=M),
        {
            "booking_id": "B-NL",
            "grant": grant.reference,
            "date": "2023-03-01",
            "amount": "1234.56",
            "supplier": "Leverancier",
            "invoice_number": "",
            "description": "",
            "cost_category": "overig",
            "depreciation_months": "36",
        },
    )
    with scopes_disabled():
        line = Expenditure.objects.get(booking_id="B-NL")
    assert (line.amount, line.depreciation_months) == (Decimal("1234.56"), 36)

    _post_ok(
        client,
        reverse("funding:activity_create", kwargs=M),
        {
            "code": "A-NL",
            "name": "Zomerschool",
            "themes": ["taal"],
            "start": "2023-08-01",
            "end": "2024-07-31",
            "funding": "GOAB:150.000,00|EIGEN",
            "planned_cost": "€ 200.000,00",
            "menukaart": "",
            "partner": "",
            "description": "",
        },
    )
    with scopes_disabled():
        activity = Activity.objects.get(code="A-NL")
        lines = {ln.stream.code: ln.amount for ln in activity.funding_lines.all()}
    assert activity.planned_cost == Decimal("200000.00")
    assert lines == {"GOAB": Decimal("150000.00"), "EIGEN": None}
    page = client.get(
        reverse("funding:activity_update", kwargs={**M, "activity_id": activity.pk})
    ).content.decode()
    assert "GOAB:150.000,00" in page and 'value="200.000,00"' in page

    _post_ok(
        client,
        reverse("schools:school_update", kwargs={**M, "school_id": world.school.pk}),
        {
            **{
                k: getattr(world.school, k) or ""
                for k in school_forms.SchoolForm._meta.fields
                if k != "pupil_count"
            },
            "pupil_count": "1.212",
        },
    )
    with scopes_disabled():
        assert School.objects.get(pk=world.school.pk).pupil_count == 1212


def test_an_ambiguous_amount_is_a_field_error_and_nothing_is_stored(client, world):
    client.force_login(world.users[Role.POLICY_OFFICER])
    meeting = f.MeetingFactory(municipality=world.municipality)
    item = f.AgendaItemFactory(meeting=meeting)
    url = reverse(
        "meetings:decision_create",
        kwargs={
            "municipality": world.municipality.slug,
            "meeting_id": meeting.pk,
            "agenda_item_id": item.pk,
        },
    )
    response = client.post(url, {"text": "Akkoord", "amount": "12,345"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "schrijf 12.345,00 of 12,35" in page and 'value="12,345"' in page
    response = client.post(url, {"text": "Akkoord", "amount": "0,125"})
    assert "meer dan twee decimalen" in response.content.decode()
    with scopes_disabled():
        assert not Decision.objects.exists()
    _post_ok(client, url, {"text": "Akkoord", "amount": "200000,00"})
    with scopes_disabled():
        assert Decision.objects.get().amount == Decimal("200000.00")


def test_scan_intervention_cost_and_share_of_pupils(client, world):
    # a director's own intervention: planned cost in Dutch notation
    client.force_login(world.users[Role.SCHOOL_DIRECTOR])
    scan = f.ScanFactory(school=world.school, school_year="2023-2024")
    with scopes_disabled():
        goab = FundingStream.objects.get(code="GOAB")
    url = reverse(
        "schools:intervention_create",
        kwargs={"municipality": world.municipality.slug, "scan_id": scan.pk},
    )
    response = client.post(
        url,
        {
            "name": "Bijles",
            "menukaart": "B",
            "themes": ["taal"],
            "stream": goab.pk,
            "start": dt.date(2023, 9, 1).isoformat(),
            "end": dt.date(2024, 6, 30).isoformat(),
            "planned_cost": "€ 12.500,50",
            "partner": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with scopes_disabled():
        assert Activity.objects.get(name="Bijles").planned_cost == Decimal("12500.50")
