"""Documents people print (issue 10 §6): in every PDF table each value stays inside its own
column (long tokens wrap), the header row repeats on every page, and a row is not split over
two pages. Checked on the PDF's text positions (tests/pdf_layout.py, pypdf), with values made
of 120-character words.

Each row's long words repeat one letter (row 0: "AAAA…", row 1: "BBBB…"), so every wrapped
fragment of a row can be told apart and found back on its page."""

import datetime
import re
import string
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from funding.models import Finding, FundingStream
from funding.reports.content import build_report_content
from funding.reports.render import render_report_pdf
from meetings import documents
from meetings import services as meeting_services
from meetings.models import ActionReview
from portal.models import Role

from . import factories as f
from .pdf_layout import overlapping, text_boxes

LETTERS = string.ascii_uppercase + string.ascii_lowercase
_RUN = re.compile(r"([A-Za-z])\1{5,}")
A4_LANDSCAPE_WIDTH = 842


def _rows_by_page(boxes):
    """{row letter: pages its fragments are on}."""
    pages = {}
    for box in boxes:
        for letter in {m.group(1) for m in _RUN.finditer(box.text)}:
            pages.setdefault(letter, set()).add(box.page)
    return pages


def _assert_cells_apart(boxes, page_width):
    pairs = overlapping(boxes)
    assert pairs == [], [(a.text[:40], b.text[:40], a.page) for a, b in pairs[:5]]
    # nothing runs off the page either (positions are relative to the leftmost text)
    assert max(b.x1 for b in boxes) - min(b.x0 for b in boxes) < page_width


@pytest.fixture
def long_report(world):
    """An NPO-GEM report whose 45 lines, grant and findings hold 120-character words."""
    with scopes_disabled():
        stream = FundingStream.objects.get(code="NPO-GEM")
        grant = f.GrantFactory(
            municipality=world.municipality,
            stream=stream,
            reference="NL91ABNA0417164300" + "7" * 60,  # an IBAN-like reference, no spaces
            window_start=datetime.date(2021, 7, 1),
            window_end=datetime.date(2025, 7, 31),
        )
        for i in range(45):
            letter = LETTERS[i]
            f.ExpenditureFactory(
                grant=grant,
                booking_id=f"{9000 + i}" + "0" * 36,
                date=datetime.date(2023, 1 + i % 12, 1 + i % 27),
                supplier=letter * 120,
                invoice_number=letter * 90,
                description=letter * 120,
                amount=Decimal("1234.56"),
            )
        finding = Finding.objects.create(
            municipality=world.municipality,
            rule="F2",
            severity="warning",
            status="justified",
            key="long",
            fingerprint="x",
            subjects=["booking:X"],
            message="y" * 120,  # letters no annex row uses
            reason="z" * 120,
            amount=Decimal("10.00"),
        )
        finding.streams.add(stream)
        content = build_report_content(municipality=world.municipality, stream=stream, year=None)
        return render_report_pdf(content, workers=1)


def test_report_tables_keep_every_value_in_its_column(long_report):
    boxes = text_boxes(long_report)
    _assert_cells_apart(boxes, A4_LANDSCAPE_WIDTH)


def test_report_annex_repeats_its_header_and_does_not_split_rows(long_report):
    boxes = text_boxes(long_report)
    annex_pages = {b.page for b in boxes if "Bijlage: alle bestedingsregels" in b.text}
    rows = _rows_by_page(boxes)
    row_pages = {p for letter in LETTERS[:45] for p in rows[letter]}
    annex_pages |= row_pages
    assert len(row_pages) >= 2, "the test needs an annex of several pages"
    header_pages = {b.page for b in boxes if "Leverancier" in b.text}
    assert row_pages <= header_pages, "a page of the annex without its header row"
    split = {letter: pages for letter, pages in rows.items() if len(pages) > 1}
    assert split == {}, f"rows split over pages: {split}"


def test_findings_section_keeps_severity_out_of_the_status_column(long_report):
    boxes = text_boxes(long_report)
    warning = [b for b in boxes if "waarschuwing" in b.text]
    assert warning, "the finding's severity is printed"
    assert overlapping(boxes) == []


def test_minutes_tables_keep_values_apart_repeat_headers_and_keep_rows_whole(world):
    m = world.municipality
    series = f.MeetingSeriesFactory(municipality=m)
    first = f.MeetingFactory(
        municipality=m, series=series, starts_at=timezone.now() - datetime.timedelta(days=40)
    )
    second = f.MeetingFactory(
        municipality=m, series=series, starts_at=timezone.now() - datetime.timedelta(days=10)
    )
    with scope(municipality=m):
        for i in range(30):
            letter = LETTERS[i]
            action = meeting_services.action_create(
                actor=world.users[Role.LEA_CHAIR],
                meeting=first,
                description=letter * 120,
                owner_name=letter * 60,
                owner_organisation=letter * 40,
            )
            # the action is carried into the series' next (planned) meeting: its review there
            with scopes_disabled():
                ActionReview.objects.filter(meeting=second, action=action).update(
                    status="in_progress", note=letter * 120
                )
        context = documents.document_context(meeting=second, kind="minutes")
        _name, pdf = documents.render_document("minutes", context)
        agenda_context = documents.document_context(meeting=second, kind="agenda")
        _name, agenda = documents.render_document("agenda", agenda_context)
    _assert_cells_apart(text_boxes(agenda), 595)
    boxes = text_boxes(pdf)
    _assert_cells_apart(boxes, 595)
    rows = _rows_by_page(boxes)
    table_pages = {p for letter in LETTERS[:30] for p in rows[letter]}
    assert len(table_pages) >= 2, "the test needs a review table of several pages"
    header_pages = {b.page for b in boxes if "Actiepunt" in b.text and "Eigenaar" in b.text}
    assert table_pages <= header_pages
    assert {letter: p for letter, p in rows.items() if len(p) > 1} == {}
