"""Hostile values in the main forms and uploaded documents (issue 13 §6): one over-limit
value generated from the model for every form field, implausible dates, NUL and bidi controls,
each refused at its field; documents checked by their content, not their name.
"""

import io
import time
from decimal import Decimal

import pytest
from django.db import models
from django_scopes import scopes_disabled

from funding.forms import ActivityForm, ExpenditureForm, GrantForm
from funding.models import Activity, Expenditure, Grant
from meetings.forms import ActionForm, AgendaItemForm, DecisionForm, MeetingForm
from meetings.models import ActionItem, AgendaItem, Decision, Meeting, MeetingSeries
from portal import limits, uploads
from portal.models import Role
from portal.permissions import Access, grants_for
from schools.forms import SchoolForm
from schools.models import School

from . import factories as f
from .hostile_data import (
    SECONDS,
    model_field,
    municipality_with_rows,
    over_limit,
    zip_bytes,
)


@pytest.fixture
def m(db):
    return municipality_with_rows()


# --- forms -----------------------------------------------------------------------------------


FORMS = {
    "grant": (GrantForm, Grant),
    "activity": (ActivityForm, Activity),
    "expenditure": (ExpenditureForm, Expenditure),
    "school": (SchoolForm, School),
    # meetings: the policy officer's forms (meetings.change, actions.change)
    "meeting": (MeetingForm, Meeting),
    "agenda-item": (AgendaItemForm, AgendaItem),
    "decision": (DecisionForm, Decision),
    "action-item": (ActionForm, ActionItem),
}


def form_cases():
    for name, (form_class, model) in FORMS.items():
        for field_name in form_class._meta.fields:
            field = model._meta.get_field(field_name)
            if field.is_relation or not field.concrete or field.choices:
                continue
            if isinstance(field, models.TextField) and not field.max_length:
                # No length to exceed; PostgreSQL still refuses a NUL character in text.
                yield pytest.param(name, field_name, "a\x00b", id=f"{name}-{field_name}-nul")
                continue
            if isinstance(field, models.CharField) and not field.max_length:
                continue
            if isinstance(field, (models.CharField, models.DecimalField, models.IntegerField)):
                yield pytest.param(
                    name, field_name, over_limit(field), id=f"{name}-{field_name}-over"
                )
            if isinstance(field, models.DateField):
                yield pytest.param(name, field_name, "0001-01-01", id=f"{name}-{field_name}-year1")
                yield pytest.param(
                    name, field_name, "9999-12-31", id=f"{name}-{field_name}-year9999"
                )
            if isinstance(field, models.CharField):
                yield pytest.param(name, field_name, "a\x00b", id=f"{name}-{field_name}-nul")
                yield pytest.param(name, field_name, "\u202eabc", id=f"{name}-{field_name}-bidi")
        if model is Grant:
            yield pytest.param(name, "amount", "-1,00", id="grant-amount-negative")


def _officer(m):
    roles = frozenset({Role.POLICY_OFFICER})
    return Access(municipality=m, roles=roles, grants=grants_for(roles))


def _form(name, m, data):
    form_class, _model = FORMS[name]
    if name == "school":
        return form_class(data=data)
    if name == "meeting":
        return form_class(
            data=data, access=_officer(m), series_queryset=MeetingSeries.objects.none()
        )
    if name == "action-item":
        return form_class(data=data, access=_officer(m), meeting=f.MeetingFactory(municipality=m))
    if name in ("agenda-item", "decision"):
        return form_class(data=data, access=_officer(m))
    return form_class(data=data, municipality=m)


@pytest.mark.parametrize(("form_name", "field_name", "value"), list(form_cases()))
def test_hostile_value_in_a_form_is_refused_at_its_field(m, form_name, field_name, value):
    with scopes_disabled():
        form = _form(form_name, m, {field_name: value})
        assert not form.is_valid()
        assert field_name in form.errors, form.errors


def test_model_limit_checks_match_the_database_types():
    amount = model_field(Expenditure, "amount")
    assert limits.check(amount, Decimal("999999999999.99")) == Decimal("999999999999.99")
    with pytest.raises(limits.LimitError):
        limits.check(amount, Decimal("1000000000000"))
    with pytest.raises(limits.LimitError):
        limits.check(model_field(School, "pupil_count"), -1)


# --- documents (scan documents, meeting attachments) -------------------------------------------


def docx_bytes(extra=None):
    members = {"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"}
    return zip_bytes({**members, **(extra or {})})


DOCUMENTS = [
    ("notulen.pdf", b"<html><script>alert(1)</script></html>", False),
    (
        "notulen.pdf",
        b"%PDF-1.7\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>",
        False,
    ),
    ("notulen.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog /OpenAction [3 0 R /Fit] >>", True),
    ("notulen.pdf", b"%PDF-1.7\n" + b" " * (3 << 20) + b"/Launch", False),
    ("notulen.docx", docx_bytes({"word/evil.html": "<script>alert(1)</script>"}), False),
    (
        "notulen.docx",
        zip_bytes({"[Content_Types].xml": "<Types/>", "index.html": "<html/>"}),
        False,
    ),
    ("notulen.docx", docx_bytes(), True),
    ("notulen.docx", b"PK\x03\x04broken", False),
    (
        "begroting.xlsx",
        zip_bytes({"[Content_Types].xml": "<T/>", "xl/a.xml": b"<" * (60 << 20)}),
        False,
    ),
    ("notulen.txt", b"<!DOCTYPE html><html></html>", False),
    ("notulen.txt", b"Notulen van het overleg\n", True),
    ("foto.jpg", b"\x89PNG\r\n\x1a\n", False),
    ("notulen.doc", b"\xd0\xcf\x11\xe0" + b"\x00" * 64, True),
    ("notulen.exe", b"MZ\x90\x00", False),
    ("leeg.pdf", b"", False),
]


@pytest.mark.parametrize(
    ("name", "data", "valid"),
    DOCUMENTS,
    ids=[f"{n}-{i}" for i, (n, _d, _v) in enumerate(DOCUMENTS)],
)
def test_hostile_document_is_checked_by_content(name, data, valid):
    started = time.monotonic()
    if valid:
        assert uploads.check_declared_type(io.BytesIO(data), name)
    else:
        with pytest.raises(uploads.UploadError):
            uploads.check_declared_type(io.BytesIO(data), name)
    assert time.monotonic() - started < SECONDS
