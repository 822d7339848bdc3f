"""The report content (funding/reports/): every total is the sum of its lines, the
definitions of spending, cumulative, committed and remaining, and the data hash."""

import dataclasses
import datetime
from decimal import Decimal

import pytest
from django_scopes import scope

from funding.models import Expenditure, FundingStream
from funding.reports.content import compute_report
from funding.reports.data import collect_report_data, data_sha256
from portal.formatting import format_money

from . import factories as f
from .reports_data import make_report_world

pytestmark = pytest.mark.django_db


def _content(world, stream, year):
    with scope(municipality=world.municipality):
        return compute_report(
            collect_report_data(municipality=world.municipality, stream=stream, year=year)
        )


def test_every_total_equals_the_sum_of_its_lines(world):
    d = make_report_world(world)
    c = _content(world, d["stream"], 2023)
    s = c.summary
    assert s.spending == Decimal(
        "3334.56"
    )  # 1234.56 + 99.99 + 2000.00 + 0.01, only 2023, only this stream
    assert c.annex_total == s.spending
    assert sum(ln.amount for g in c.annex for ln in g.lines) == s.spending
    assert [g.subtotal for g in c.annex] == [
        Decimal("1334.55"),
        Decimal("2000.00"),
        Decimal("0.01"),
    ]
    assert {r.label: r.amount for r in c.by_sector} == {
        "Basisonderwijs": Decimal("1334.55"),
        "(geen school genoemd)": Decimal("2000.01"),
    }
    for rows in (c.by_category, c.by_activity, c.by_school, c.by_sector):
        assert sum(r.amount for r in rows) == s.spending
        assert sum(r.count for r in rows) == c.line_count == 4
    assert sum(m.amount for m in c.by_month) == s.spending
    assert len(c.by_month) == 12 and c.by_month[-1].running_total == s.spending
    assert c.signed_off_total == Decimal("2000.00") and [ln.booking_id for ln in c.signoffs] == [
        "B-2023-3"
    ]
    assert c.granted_total == s.granted == Decimal("105000.00")


def test_summary_follows_the_definitions(world):
    d = make_report_world(world)
    s = _content(world, d["stream"], 2023).summary
    # Cumulative: 2022's line too, not 2024's.
    assert s.cumulative == Decimal("1500.00") + Decimal("3334.56")
    # Committed: TAAL planned 20000 - spent (1500 + 1234.56); REKEN planned 1000 - spent 2099.99 < 0 => 0.
    assert s.committed == Decimal("20000.00") - Decimal("2734.56")
    assert s.remaining == s.granted - s.cumulative - s.committed
    assert s.utilisation == Decimal("4.6")  # 4834.56 / 105000 = 4.60%


def test_whole_window_report_holds_every_line_of_the_grants(world):
    d = make_report_world(world)
    c = _content(world, d["stream"], None)
    assert c.line_count == 6
    assert c.summary.spending == c.summary.cumulative == c.annex_total == Decimal("5534.56")
    assert c.period_start.isoformat() == "2021-07-01" and c.period_end.isoformat() == "2025-07-31"


def test_findings_are_those_of_the_stream_in_the_municipality(world):
    d = make_report_world(world)
    c = _content(world, d["stream"], 2023)
    assert [(x.message, x.status_label, x.reason) for x in c.findings] == [
        ("Dubbele boeking B-2023-1", "verantwoord", "Bewust dubbel: twee groepen.")
    ]


def test_data_hash_is_stable_and_changes_with_one_cent(world):
    d = make_report_world(world)
    with scope(municipality=world.municipality):
        first = data_sha256(
            collect_report_data(municipality=world.municipality, stream=d["stream"], year=2023)
        )
        again = data_sha256(
            collect_report_data(municipality=world.municipality, stream=d["stream"], year=2023)
        )
        Expenditure.objects.filter(booking_id="B-2023-2").update(amount=Decimal("100.00"))
        changed = data_sha256(
            collect_report_data(municipality=world.municipality, stream=d["stream"], year=2023)
        )
        # A line of another year that does not feed the 2023 report leaves its hash alone.
        Expenditure.objects.filter(booking_id="B-2024-1").update(amount=Decimal("1.00"))
        later = data_sha256(
            collect_report_data(municipality=world.municipality, stream=d["stream"], year=2023)
        )
    assert first == again and len(first) == 64
    assert changed != first
    assert later == changed


@pytest.mark.parametrize("extra", [3, 30])
def test_collecting_the_data_takes_the_same_queries_for_3_and_30_lines(
    world, extra, django_assert_num_queries
):
    d = make_report_world(world, extra_lines=extra)
    # grants, lines, funding lines, findings, period locks
    with scope(municipality=world.municipality), django_assert_num_queries(5):
        data = collect_report_data(municipality=world.municipality, stream=d["stream"], year=2023)
    assert len(data.lines) == 5 + extra


def test_a_municipality_without_grants_gets_an_empty_but_consistent_report(world):
    stream = f.FundingStreamFactory("NPO-GEM")
    c = _content(world, stream, 2023)
    assert c.annex == [] and c.summary.spending == Decimal("0.00") and c.summary.utilisation is None


def test_annex_parts_for_parallel_rendering_cover_every_line_once_with_one_subtotal_per_month(
    world,
):
    from funding.reports.render import annex_chunks

    d = make_report_world(world, extra_lines=600)
    c = _content(world, d["stream"], 2023)
    chunks = annex_chunks(c, parts=3)
    assert len(chunks) == 3 and chunks[0]["first"] and chunks[-1]["last"] and not chunks[1]["first"]
    lines = [ln for ch in chunks for g in ch["groups"] for ln in g["lines"]]
    assert lines == [ln for g in c.annex for ln in g.lines]
    closing = [g["group"].label for ch in chunks for g in ch["groups"] if g["closes"]]
    assert closing == [g.label for g in c.annex]  # each month's subtotal exactly once, in order
    for ch in chunks[1:]:  # a month cut in two carries on under a "vervolg" heading
        first = ch["groups"][0]
        assert first["continued"] == (first["lines"][0] is not first["group"].lines[0])


def test_carry_over_from_a_grant_in_the_same_report_is_counted_once(world):
    """GOAB 2019-2022 (1.000.000, 100.000 spent) carries 400.000 over into GOAB 2023-2026
    (2.000.000). The whole-window report holds both grants: the 400.000 is money of the first
    grant, so total granted is 3.000.000, not 3.400.000 (issue 10 §1). The 2023 report holds the
    second grant alone, and there the carry-over is new money: 2.400.000."""
    m = world.municipality
    with scope(municipality=m):
        goab = FundingStream.objects.get(code="GOAB")
        old = f.GrantFactory(
            municipality=m,
            stream=goab,
            reference="GOAB-2019-2022",
            amount=Decimal("1000000.00"),
            window_start=datetime.date(2019, 1, 1),
            window_end=datetime.date(2022, 12, 31),
        )
        f.ExpenditureFactory(
            grant=old, booking_id="G-1", date=datetime.date(2022, 5, 1), amount=Decimal("100000")
        )
        f.GrantFactory(
            municipality=m,
            stream=goab,
            reference="GOAB-2023-2026",
            amount=Decimal("2000000.00"),
            carry_over=Decimal("400000.00"),
            carried_from=old,
            window_start=datetime.date(2023, 1, 1),
            window_end=datetime.date(2026, 12, 31),
        )
    whole = _content(world, goab, None)
    assert [(g.reference, g.counted_in, g.total) for g in whole.grants] == [
        ("GOAB-2019-2022", None, Decimal("1000000.00")),
        ("GOAB-2023-2026", "GOAB-2019-2022", Decimal("2000000.00")),
    ]
    assert whole.summary.granted == whole.granted_total == Decimal("3000000.00")
    assert whole.summary.remaining == Decimal("2900000.00")  # 3.000.000 - 100.000 spent
    year = _content(world, goab, 2023)
    assert [g.reference for g in year.grants] == ["GOAB-2023-2026"]
    assert year.summary.granted == Decimal("2400000.00")


def test_a_report_whose_carry_over_names_no_source_keeps_its_hash(world):
    """The source of a carry-over joined the report's data; where there is none the hash is
    the one computed without that field, so unchanged data does not make a new version."""
    d = make_report_world(world)
    with scope(municipality=world.municipality):
        data = collect_report_data(municipality=world.municipality, stream=d["stream"], year=2023)
    grant = data.grants[0]
    assert grant["carry_over"] and grant["carried_from__reference"] is None
    without_field = {k: v for k, v in grant.items() if k != "carried_from__reference"}
    assert data_sha256(data) == data_sha256(dataclasses.replace(data, grants=[without_field]))
    grant["carried_from__reference"] = "GOAB-2019-2022"
    assert data_sha256(data) != data_sha256(dataclasses.replace(data, grants=[without_field]))


def test_a_long_signoff_list_is_laid_out_apart_in_runs_and_keeps_every_line_and_total(world):
    """Section 7 with more than SIGNOFF_APART_ROWS signed-off lines is rendered as documents of
    its own beside the front sections (issue 14: 773 of them were 85 % of the summary pages'
    time). Every line is in exactly one run, in order; the section heading, its total and the
    signature block come once, after section 6; one process or two give the same text."""
    from funding.reports.render import SIGNOFF_APART_ROWS, render_report_pdf, signoff_chunks

    from .pdf_text import pdf_text

    d = make_report_world(world)
    c = _content(world, d["stream"], 2023)
    assert signoff_chunks(c, parts=2) == []  # short: stays in the front document
    line = c.annex[0].lines[0]
    n = SIGNOFF_APART_ROWS * 2 + 7
    signed = [
        dataclasses.replace(
            line, booking_id=f"S-{i:04d}", amount=Decimal(i) / 100, signed_off_by="Acc Ountant"
        )
        for i in range(n)
    ]
    long = dataclasses.replace(c, signoffs=signed)
    runs = signoff_chunks(long, parts=2)
    assert len(runs) == 2 and runs[0]["first"] and runs[-1]["last"]
    assert not runs[0]["last"] and not runs[1]["first"]
    assert [ln for r in runs for ln in r["lines"]] == signed

    total = format_money(long.signed_off_total).replace("\u00a0", " ")
    for workers in (1, 2):  # one run in one process, two runs in two
        pdf = render_report_pdf(long, summary_only=True, workers=workers)
        text = " ".join(pdf_text(pdf, layout=False).split())
        assert all(f"S-{i:04d}" in text for i in range(n))
        assert text.count("7. Aftekening") == 1 and text.count("Totaal afgetekend") == 1
        assert text.count("Accountant / controller: naam, datum, handtekening") == 1
        assert f"Totaal afgetekend {total}" in text
        assert (
            text.index("6. Bevindingen")
            < text.index("7. Aftekening")
            < text.index("S-0000")
            < text.index(f"S-{n - 1:04d}")
            < text.index("Totaal afgetekend")
        )
