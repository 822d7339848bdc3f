"""The private hooks of libraries the portal relies on (pyproject caps each library at the major
version tested here). Each test proves the hook is still *called* and still does its job, not
just that the name exists: a new release that renames or bypasses it fails here, loudly,
instead of silently changing a report or opening a tenant query.

- WeasyPrint: ``HTML._ua_stylesheets`` (portal.pdf's lean user-agent stylesheet);
- pypdf: ``PdfWriter._add_object`` (portal.pdf.merge_pdfs stamps "pagina N van M");
- django-scopes: ``django_scopes.state.get_scope`` and ``django_scopes.manager.DisabledQuerySet``
  (meetings.models.TenantManager, the fail-closed manager for municipal *or* regional records).
"""

import io

import pytest
from django_scopes import ScopeError, scope, scopes_disabled
from django_scopes.state import get_scope
from pypdf import PdfReader, PdfWriter
from weasyprint import HTML

from meetings.models import MeetingSeries
from portal import pdf

from . import factories as f
from .pdf_text import pdf_text


def test_weasyprint_takes_the_lean_user_agent_stylesheet_from_the_hook(monkeypatch):
    lean = pdf._html_class(lean=True)
    original = lean._ua_stylesheets
    calls = []

    def spy(self, *args, **kwargs):
        sheets = original(self, *args, **kwargs)
        calls.append((sheets, HTML._ua_stylesheets(self, *args, **kwargs)))
        return sheets

    monkeypatch.setattr(lean, "_ua_stylesheets", spy)
    payload = pdf.html_to_pdf("<h1>Kop</h1><table><tr><td>cel</td></tr></table>", lean=True)
    assert calls, "WeasyPrint no longer calls HTML._ua_stylesheets: the lean reports lost it"
    # The lean document answers with LEAN_UA_CSS alone, not WeasyPrint's HTML5 stylesheet.
    assert all(len(ours) == 1 and ours != default for ours, default in calls)
    assert "Kop" in pdf_text(payload) and "cel" in pdf_text(payload)


def test_weasyprint_does_not_ask_the_lean_hook_for_a_normal_document(monkeypatch):
    lean = pdf._html_class(lean=True)
    monkeypatch.setattr(lean, "_ua_stylesheets", lambda self, *a, **k: pytest.fail("called"))
    assert pdf.html_to_pdf("<p>gewoon</p>").startswith(b"%PDF")


def _two_page_pdf():
    return pdf.html_to_pdf("<p>een</p><p style='break-before: page'>twee</p>")


def test_pypdf_add_object_registers_the_page_number_stamps(monkeypatch):
    original = PdfWriter._add_object
    added = []

    def spy(self, obj):
        reference = original(self, obj)
        added.append(reference)
        return reference

    monkeypatch.setattr(PdfWriter, "_add_object", spy)
    merged = pdf.merge_pdfs([_two_page_pdf(), _two_page_pdf()])
    # one font, one "save graphics state" stream, one stamp per page (4 pages)
    assert len(added) >= 6, "pypdf no longer goes through PdfWriter._add_object"
    assert all(hasattr(ref, "idnum") for ref in added[-6:])  # indirect references, as used
    assert len(PdfReader(io.BytesIO(merged)).pages) == 4
    text = pdf_text(merged)
    assert "pagina 1 van 4" in text and "pagina 4 van 4" in text


@pytest.mark.django_db
def test_scopes_state_drives_the_tenant_manager(world):
    with scopes_disabled():
        own = f.MeetingSeriesFactory(municipality=world.municipality)
        foreign = f.MeetingSeriesFactory(municipality=world.other_municipality)
        assert get_scope().get("_enabled") is False
        assert set(MeetingSeries.objects.values_list("pk", flat=True)) >= {own.pk, foreign.pk}

    # No scope: django-scopes' DisabledQuerySet refuses to run the query.
    assert "municipality" not in get_scope()
    with pytest.raises(ScopeError):
        list(MeetingSeries.objects.all())

    with scope(municipality=world.municipality):
        assert get_scope() == {"_enabled": True, "municipality": world.municipality}
        assert list(MeetingSeries.objects.values_list("pk", flat=True)) == [own.pk]
