"""Check F8 carry-over (issue 10 §5, checks.md): each case fires, each near miss does not.

Hand-computed cap: a GOAB source grant 2019-01-01..2022-12-31 of EUR 1.000.000 (1461 days) has
a 2022 budget of 1000000 x 365 / 1461 = 249828.884 -> 249.828,88; GOAB's cap is 50% of that:
124.914,44."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from funding.models import Finding, FundingStream
from funding.reports.content import build_report_content
from funding.services.checks import checks_run

from . import factories as f

D = dt.date
CAP = Decimal("124914.44")


@pytest.fixture
def m(db):
    return f.MunicipalityFactory(code="GM1952", slug="midden-groningen")


def f8(m):
    with scopes_disabled():
        checks_run(municipality=m, full=True)  # the data is written by ORM, unrecorded
        return {
            tuple(x.subjects): x
            for x in Finding.objects.filter(municipality=m, active=True, rule="F8")
        }


def stream(code):
    with scopes_disabled():
        return FundingStream.objects.get(code=code)


def source(m, code="GOAB", amount="1000000.00", **kw):
    kw.setdefault("window_start", D(2019, 1, 1))
    kw.setdefault("window_end", D(2022, 12, 31))
    return f.GrantFactory(
        municipality=m, stream=stream(code), reference=f"SRC-{code}", amount=Decimal(amount), **kw
    )


def receiver(m, carry, carried_from=None, code="GOAB"):
    return f.GrantFactory(
        municipality=m,
        stream=stream(code),
        reference="RCV",
        window_start=D(2023, 1, 1),
        window_end=D(2026, 12, 31),
        amount=Decimal("1200000.00"),
        carry_over=Decimal(carry),
        carried_from=carried_from,
    )


def test_the_goab_stream_ships_with_a_cap_of_50_percent(db):
    assert stream("GOAB").carry_over_cap_percent == Decimal("50.00")
    assert stream("NPO-GEM").carry_over_cap_percent is None


# (a) no source, or a source that is not this municipality's -------------------------------------


def test_carry_over_without_a_source(m):
    receiver(m, "1000.00")
    found = f8(m)
    assert list(found) == [("grant:RCV",)]
    finding = found[("grant:RCV",)]
    assert finding.severity == "error" and finding.amount == Decimal("1000.00")
    assert "geen beschikking van deze gemeente als bron" in finding.message


def test_near_miss_carry_over_zero_without_a_source(m):
    receiver(m, "0.00")
    assert f8(m) == {}


def test_source_of_another_municipality(m):
    other = f.MunicipalityFactory()
    foreign = f.GrantFactory(
        municipality=other, stream=stream("GOAB"), reference="FOREIGN", amount=Decimal("10.00")
    )
    receiver(m, "5.00", carried_from=foreign)
    assert f8(m)[("grant:RCV",)].amount == Decimal("5.00")


# (b) another stream ------------------------------------------------------------------------------


def test_source_of_another_stream(m):
    npo = source(m, "NPO-GEM", window_start=D(2021, 7, 1), window_end=D(2025, 7, 31))
    receiver(m, "1000.00", carried_from=npo)
    finding = f8(m)[("grant:RCV",)]
    assert "andere stroom (NPO-GEM, niet GOAB)" in finding.message
    assert finding.amount == Decimal("1000.00")
    with scopes_disabled():
        assert {s.code for s in finding.streams.all()} == {"GOAB", "NPO-GEM"}


def test_near_miss_same_stream_within_cap(m):
    receiver(m, "1000.00", carried_from=source(m))
    assert f8(m) == {}


# (d) the cap: 50% of the source's budget for its last calendar year -----------------------------


def test_exactly_at_the_cap_is_allowed(m):
    receiver(m, str(CAP), carried_from=source(m))
    assert f8(m) == {}


def test_one_cent_over_the_cap(m):
    receiver(m, str(CAP + Decimal("0.01")), carried_from=source(m))
    finding = f8(m)[("grant:RCV",)]
    assert finding.amount == Decimal("0.01")
    assert "ten hoogste 50% van het budget 2022 van SRC-GOAB" in finding.message
    assert "€\xa0249.828,88" in finding.message and "€\xa0124.914,44" in finding.message


def test_900000_from_a_1000000_grant(m):
    receiver(m, "900000.00", carried_from=source(m))
    finding = f8(m)[("grant:RCV",)]
    assert finding.amount == Decimal("775085.56")  # 900.000,00 - 124.914,44
    assert "SRC-GOAB" in finding.message and "€\xa0775.085,56 te veel" in finding.message


def test_a_one_year_source_caps_on_its_whole_amount(m):
    one_year = source(m, amount="200000.00", window_start=D(2022, 1, 1))
    receiver(m, "100000.00", carried_from=one_year)
    assert f8(m) == {}
    with scopes_disabled():
        one_year.carried_into.update(carry_over=Decimal("100000.01"))
    assert f8(m)[("grant:RCV",)].amount == Decimal("0.01")


def test_a_stream_without_cap_is_not_capped(m):
    eigen = source(m, "EIGEN", amount="100000.00", window_start=None, window_end=None)
    receiver(m, "100000.00", carried_from=eigen, code="EIGEN")
    assert f8(m) == {}


# (c) more than the source left unspent -----------------------------------------------------------


def test_more_than_the_source_left_unspent(m):
    eigen = source(m, "EIGEN", amount="100000.00", window_start=None, window_end=None)
    f.ExpenditureFactory(grant=eigen, amount=Decimal("60000.00"), date=D(2022, 3, 1))
    receiver(m, "40000.01", carried_from=eigen, code="EIGEN")
    finding = f8(m)[("grant:RCV",)]
    assert finding.amount == Decimal("0.01")
    assert "meer dan SRC-EIGEN onbesteed liet (€\xa040.000,00)" in finding.message


def test_near_miss_exactly_what_was_left_unspent_including_its_own_carry_over(m):
    first = f.GrantFactory(
        municipality=m, stream=stream("EIGEN"), reference="FIRST", amount=Decimal("5000.00")
    )
    eigen = source(
        m,
        "EIGEN",
        amount="100000.00",
        window_start=None,
        window_end=None,
        carry_over=Decimal("5000.00"),
        carried_from=first,
    )
    f.ExpenditureFactory(grant=eigen, amount=Decimal("60000.00"), date=D(2022, 3, 1))
    receiver(m, "45000.00", carried_from=eigen, code="EIGEN")  # 100.000 + 5.000 - 60.000
    assert f8(m) == {}


def test_2500000_from_a_1000000_grant_breaks_both_limits(m):
    receiver(m, "2500000.00", carried_from=source(m))
    finding = f8(m)[("grant:RCV",)]
    assert "onbesteed liet (€\xa01.000.000,00); €\xa01.500.000,00 te veel" in finding.message
    assert "€\xa02.375.085,56 te veel" in finding.message  # 2.500.000,00 - 124.914,44
    assert finding.amount == Decimal("2375085.56")  # the larger excess


def second_receiver(m, carry, carried_from, code="EIGEN"):
    return f.GrantFactory(
        municipality=m,
        stream=stream(code),
        reference="RCV2",
        window_start=None,
        window_end=None,
        amount=Decimal("1000.00"),
        carry_over=Decimal(carry),
        carried_from=carried_from,
    )


def test_two_receivers_together_carry_more_than_the_source_left_unspent(m):
    # 1.000.000 unspent, 600.000 to each of two grants: each alone fits, together 200.000 over.
    eigen = source(m, "EIGEN", window_start=None, window_end=None)
    receiver(m, "600000.00", carried_from=eigen, code="EIGEN")
    second_receiver(m, "600000.00", carried_from=eigen)
    found = f8(m)
    assert set(found) == {("grant:RCV",), ("grant:RCV2",)}
    for finding in found.values():
        assert finding.amount == Decimal("200000.00")
        assert "samen met de andere overhevelingen uit SRC-EIGEN: €\xa01.200.000,00" in (
            finding.message
        )


def test_near_miss_two_receivers_together_exactly_what_was_left_unspent(m):
    eigen = source(m, "EIGEN", window_start=None, window_end=None)
    receiver(m, "600000.00", carried_from=eigen, code="EIGEN")
    second_receiver(m, "400000.00", carried_from=eigen)
    assert f8(m) == {}


def test_two_receivers_together_beyond_the_cap(m):
    # GOAB 2019-2022, 1.000.000: budget 2022 249.828,88 (days), cap 50 % = CAP = 124.914,44.
    src = source(m)
    receiver(m, "100000.00", carried_from=src)
    second_receiver(
        m, str(CAP - Decimal("100000.00") + Decimal("0.01")), carried_from=src, code="GOAB"
    )
    found = f8(m)
    assert set(found) == {("grant:RCV",), ("grant:RCV2",)}
    assert found[("grant:RCV2",)].amount == Decimal("0.01")


# the same workflow and output as every rule ------------------------------------------------------


def test_f8_follows_the_findings_workflow_and_json_output(m, tmp_path):
    src = source(m)
    receiver(m, "900000.00", carried_from=src)
    assert f8(m)
    with scopes_disabled():
        # fixing the data removes the open finding on the next run
        src.carried_into.update(carry_over=CAP)
    assert f8(m) == {}
    with scopes_disabled():
        src.carried_into.update(carry_over=Decimal("900000.00"))
    out = tmp_path / "findings.jsonl"
    call_command("check_overlaps", municipality="GM1952", output=str(out), full=True)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    f8_rows = [r for r in rows if r["rule"] == "F8"]
    assert f8_rows == [
        {
            "rule": "F8",
            "severity": "error",
            "municipality": "GM1952",
            "subjects": ["grant:RCV"],
            "school": None,
            "theme": None,
            "amount": "775085.56",
            "message": f8_rows[0]["message"],
        }
    ]


def test_f8_is_in_the_spending_reports_findings_section(m):
    receiver(m, "900000.00", carried_from=source(m))
    f8(m)
    with scopes_disabled():
        content = build_report_content(municipality=m, stream=stream("GOAB"), year=None)
    rows = [r for r in content.findings if r.rule == "F8"]
    assert len(rows) == 1
    assert rows[0].rule_label == "F8 overheveling" and rows[0].amount == Decimal("775085.56")
