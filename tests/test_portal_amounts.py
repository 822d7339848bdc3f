"""Amounts and numbers as people type them (issue 10 §2, issue 13): one parser
(portal.fields.parse_amount) behind every form field and every import, text inputs with
inputmode="decimal", values shown back in nl-NL, ambiguous input and fractions of a cent
refused at the field."""

import datetime as dt
import importlib
import pkgutil
from decimal import Decimal

import django_filters
import pytest
from django import forms as django_forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_scopes import scopes_disabled

from funding import forms as funding_forms
from funding.models import Activity, Expenditure, FundingStream, Grant
from funding.reports.views import ReportRequestForm
from meetings import forms as meeting_forms
from meetings.models import Decision
from portal import imports as im
from portal.fields import (
    AmountField,
    CountField,
    DecimalNumberField,
    NumberError,
    parse_amount,
    parse_decimal,
)
from portal.models import Role
from schools import forms as school_forms
from schools.imports.parsers import percentage
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
        (funding_forms.InterventionForm, {"planned_cost": AmountField}),
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
        "funding:intervention_create",
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


# --- the whole kind: no form of the portal has a number field of Django's own ---------------------

APPS = ("portal", "schools", "funding", "meetings")
DJANGO_NUMBERS = (django_forms.IntegerField, django_forms.DecimalField, django_forms.FloatField)


def _import_every_module():
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" not in info.name and ".management" not in info.name:
                importlib.import_module(info.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _django_number_fields(fields):
    """Names of the fields a person types a number into that are not the portal's own field:
    Django's IntegerField/DecimalField/FloatField, or any ``<input type="number">``."""
    return [
        name
        for name, field in fields.items()
        if not isinstance(field.widget, django_forms.HiddenInput)
        and (
            isinstance(field, DJANGO_NUMBERS)
            or getattr(field.widget, "input_type", None) == "number"
        )
    ]


def test_no_form_of_the_portal_reads_numbers_with_djangos_own_fields():
    """Every form class in the project's apps (the ones the tests above list by hand and any
    added later) and every filter form: numbers go through portal.fields."""
    _import_every_module()
    found = {}
    for form_class in set(_subclasses(django_forms.BaseForm)):
        if form_class.__module__.split(".")[0] in APPS:
            bad = _django_number_fields(form_class.base_fields)
            if bad:
                found[f"{form_class.__module__}.{form_class.__name__}"] = bad
    for filterset in set(_subclasses(django_filters.FilterSet)):
        if filterset.__module__.split(".")[0] in APPS:
            bad = [
                name
                for name, flt in filterset.base_filters.items()
                if issubclass(flt.field_class, DJANGO_NUMBERS)
            ]
            if bad:
                found[f"{filterset.__module__}.{filterset.__name__}"] = bad
    assert found == {}


def test_the_report_year_is_read_by_the_portal_field():
    field = ReportRequestForm.base_fields["year"]
    assert isinstance(field, CountField) and field.clean("2.023") == 2023
    with pytest.raises(ValidationError, match="2000 of meer"):
        field.clean("1999")


@pytest.mark.django_db
def test_admin_forms_read_numbers_with_the_portal_fields(rf):
    """The staff admin too: a stream's carry-over cap, a school's pupil count, a school weight."""
    request = rf.get("/admin/")
    request.user = get_user_model()(is_superuser=True, is_staff=True, is_active=True)
    with scopes_disabled():  # as the admin runs (portal.middleware)
        found, stream_form, school_form = _admin_forms(request)
    assert found == {}
    cap = stream_form.base_fields["carry_over_cap_percent"]
    assert isinstance(cap, DecimalNumberField) and cap.clean("12,5") == Decimal("12.50")
    pupils = school_form.base_fields["pupil_count"]
    assert isinstance(pupils, CountField) and pupils.clean("1.234") == 1234


def _admin_forms(request):
    found = {}
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in APPS:
            continue
        forms_ = [model_admin.get_form(request)]
        forms_ += [i.get_formset(request).form for i in model_admin.get_inline_instances(request)]
        for form in forms_:
            bad = _django_number_fields(form.base_fields)
            if bad:
                found[f"{model._meta.label}: {form.__name__}"] = bad
    registry = admin.site._registry
    return found, registry[FundingStream].get_form(request), registry[School].get_form(request)


def test_the_needs_import_refuses_what_the_scan_form_refuses():
    """Share of pupils: the form refuses three decimals, so the import does too instead of
    rounding 12,345 to 12,34 without a word."""
    field = DecimalNumberField(decimal_places=2, max_digits=5, min_value=0, max_value=100)
    for typed in ("12,5", "12.5", "12,5%", "12,50"):
        assert percentage(typed) == field.clean(typed) == Decimal("12.50")
    with pytest.raises(im.ImportValueError, match="meer dan 2 decimalen"):
        percentage("12,345")
    with pytest.raises(ValidationError, match="meer dan 2 decimalen"):
        field.clean("12,345")


def test_preview_cells_never_show_python_values():
    from datetime import date
    from decimal import Decimal

    from portal.formatting import format_value

    assert [
        format_value(v) for v in (None, True, False, Decimal("1034000.50"), 2023, date(2023, 4, 26))
    ] == [
        "",
        "ja",
        "nee",
        "1.034.000,50",
        "2023",
        "26-04-2023",
    ]


@pytest.mark.parametrize("typed", ["9" * 40, "9" * 27 + ",5", "1" + "0" * 60])
def test_more_digits_than_a_decimal_holds_is_a_field_error_not_a_crash(typed):
    """Forty nines used to raise decimal.InvalidOperation out of the field: a 500 on any form
    with an amount (issue 13 §1)."""
    field = AmountField()
    with pytest.raises(ValidationError) as refused:
        field.clean(typed)
    assert "geen geldig bedrag" in " ".join(refused.value.messages)
    with pytest.raises(NumberError):
        parse_decimal("9" * 40, places=1)
