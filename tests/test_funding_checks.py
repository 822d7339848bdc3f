"""Every rule of checks.md: a case that fires and the near misses that must not, plus the
review workflow across re-runs (justified survives, a change reopens, gone is removed)."""

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from funding.models import Finding, FundingStream, normalise_key
from funding.services.checks import checks_run, finding_review
from portal.models import AuditEvent

from . import factories as f

D = dt.date


@pytest.fixture
def m(db):
    return f.MunicipalityFactory(code="GM1952", slug="midden-groningen")


def run(m):
    with scopes_disabled():
        checks_run(municipality=m, full=True)  # the data is written by ORM, unrecorded
        return {
            (x.rule, tuple(x.subjects)): x
            for x in Finding.objects.filter(municipality=m, active=True)
        }


def rules(m):
    return sorted((rule, subjects) for rule, subjects in run(m))


def grant(m, stream="GOAB", **kw):
    return f.GrantFactory(municipality=m, stream=FundingStream.objects.get(code=stream), **kw)


def line(g, booking, **kw):
    return f.ExpenditureFactory(grant=g, booking_id=booking, **kw)


# --- F1 / F2 -----------------------------------------------------------------------------------


def test_f1_same_supplier_invoice_and_amount_across_grants_is_one_group(m):
    goab, npo = grant(m), grant(m, "NPO-GEM", window_start=None, window_end=None)
    line(goab, "B1", supplier="Sport BV", invoice_number="SB/2023/77", amount=Decimal("100.00"))
    line(npo, "B2", supplier="sport bv", invoice_number="sb-2023-77", amount=Decimal("100.00"))
    line(npo, "B3", supplier=" SPORT B.V. ", invoice_number="SB 2023 77", amount=Decimal("100.00"))
    found = run(m)
    assert list(found) == [("F1", ("booking:B1", "booking:B2", "booking:B3"))]
    assert found[("F1", ("booking:B1", "booking:B2", "booking:B3"))].amount == Decimal("200.00")
    # The message shows the invoice numbers as the finance system wrote them, not the key.
    message = found[("F1", ("booking:B1", "booking:B2", "booking:B3"))].message
    assert "factuurnummer SB 2023 77 / SB/2023/77 / sb-2023-77 en" in message
    assert "SB202377" not in message


def test_f1_sees_through_look_alike_characters_in_the_supplier(m):
    """Issue 13 §2: a Cyrillic "а", a zero-width space or full-width letters do not escape F1."""
    goab, npo = grant(m), grant(m, "NPO-GEM", window_start=None, window_end=None)
    line(goab, "B1", supplier="Sport Ba", invoice_number="77", amount=Decimal("100.00"))
    line(npo, "B2", supplier="Sport B\u0430", invoice_number="77", amount=Decimal("100.00"))
    line(
        npo,
        "B3",
        supplier="Sp\u200bort Ba",
        invoice_number="\uff17\uff17",
        amount=Decimal("100.00"),
    )
    assert list(run(m)) == [("F1", ("booking:B1", "booking:B2", "booking:B3"))]


# One Cyrillic or Greek look-alike (at least) of every Latin letter, by code point.
LOOKALIKES = {
    "a": "\u0430\u03b1\u0410\u0391",
    "b": "\u044c\u0412\u0392",
    "c": "\u0441\u03f2\u0421\u03f9",
    "d": "\u0501",
    "e": "\u0435\u04bd\u0415\u0395",
    "f": "\u03dd\u03dc",
    "g": "\u050d\u050c",
    "h": "\u04bb\u041d\u0397",
    "i": "\u0456\u03b9\u0406\u0399",
    "j": "\u0458\u03f3\u0408\u037f",
    "k": "\u043a\u03ba\u041a\u039a",
    "l": "\u04cf",
    "m": "\u043c\u041c\u039c",
    "n": "\u03b7\u039d",
    "o": "\u043e\u03bf\u03c3\u041e\u039f",
    "p": "\u0440\u03c1\u0420\u03a1",
    "q": "\u051b\u051a",
    "r": "\u0433",
    "s": "\u0455\u0405",
    "t": "\u0442\u03c4\u0422\u03a4",
    "u": "\u03c5",
    "v": "\u03bd\u0475\u0474",
    "w": "\u051d\u0461\u03c9\u051c",
    "x": "\u0445\u03c7\u0425\u03a7",
    "y": "\u0443\u03b3\u04af\u0423\u03a5",
    "z": "\u0396",
}


def test_every_latin_letter_has_its_cyrillic_and_greek_look_alikes_folded():
    assert set(LOOKALIKES) == set("abcdefghijklmnopqrstuvwxyz")
    for letter, lookalikes in LOOKALIKES.items():
        for char in lookalikes:
            assert normalise_key(char) == letter.upper(), (letter, f"U+{ord(char):04X}")
            # inside a name too, and mixed with the real letter
            assert normalise_key(f"Sport{char}BV") == normalise_key(f"sport {letter} b.v.")


def test_the_key_folds_compatibility_forms_and_case():
    assert normalise_key("Straße") == normalise_key("STRASSE")  # case folding, not upper()
    assert normalise_key("\ufb01rma") == normalise_key("Firma")  # ligature (NFKC)
    assert normalise_key("\uff33\uff10\uff11") == "S01"  # full-width (NFKC)
    assert normalise_key("\u0410\u0412\u0421") == "ABC"  # keys stored before stay equal
    assert normalise_key("Sport\u00adBV") == "SPORTBV"  # soft hyphen: invisible
    assert normalise_key(None) == ""
    # Not every letter is a look-alike: a Cyrillic "Д" stays itself.
    assert normalise_key("\u0414") != "D"


def test_f1_near_misses_other_supplier_other_amount_or_no_invoice(m):
    g = grant(m)
    line(g, "B1", supplier="Sport BV", invoice_number="77", amount=Decimal("100.00"))
    line(
        g, "B2", supplier="Sport Plus BV", invoice_number="77", amount=Decimal("100.00")
    )  # same invoice, other supplier
    line(
        g, "B3", supplier="Sport BV", invoice_number="78", amount=Decimal("100.00")
    )  # other invoice
    line(
        g, "B4", supplier="Lunch BV", invoice_number="", amount=Decimal("5.00")
    )  # no invoice number
    line(g, "B5", supplier="Lunch BV", invoice_number="", amount=Decimal("5.00"))
    assert rules(m) == []


def test_f2_invoice_split_over_two_streams(m):
    goab, eigen = grant(m), grant(m, "EIGEN")
    line(goab, "B1", supplier="Bureau X", invoice_number="F-9", amount=Decimal("600.00"))
    line(eigen, "B2", supplier="Bureau X", invoice_number="F9", amount=Decimal("400.00"))
    found = run(m)
    assert list(found) == [("F2", ("booking:B1", "booking:B2"))]
    finding = found[("F2", ("booking:B1", "booking:B2"))]
    assert finding.severity == "warning" and finding.amount == Decimal("1000.00")
    assert finding.message.startswith("Gesplitste factuur F-9 / F9: 2 regels")
    with scopes_disabled():
        assert set(finding.streams.values_list("code", flat=True)) == {"GOAB", "EIGEN"}


def test_f2_not_for_one_stream_and_not_when_the_group_is_one_f1_group(m):
    goab, goab2, eigen = grant(m), grant(m), grant(m, "EIGEN")
    line(goab, "B1", supplier="Bureau X", invoice_number="F-9", amount=Decimal("600.00"))
    line(
        goab2, "B2", supplier="Bureau X", invoice_number="F-9", amount=Decimal("400.00")
    )  # two grants, one stream
    line(goab, "B3", supplier="Bureau Y", invoice_number="Y-1", amount=Decimal("50.00"))
    line(
        eigen, "B4", supplier="Bureau Y", invoice_number="Y-1", amount=Decimal("50.00")
    )  # exactly one F1 group
    assert rules(m) == [("F1", ("booking:B3", "booking:B4"))]


def test_f2_and_f1_both_when_group_holds_a_duplicate_and_more(m):
    goab, eigen = grant(m), grant(m, "EIGEN")
    line(goab, "B1", supplier="X", invoice_number="1", amount=Decimal("50.00"))
    line(eigen, "B2", supplier="X", invoice_number="1", amount=Decimal("50.00"))
    line(eigen, "B3", supplier="X", invoice_number="1", amount=Decimal("70.00"))
    assert rules(m) == [
        ("F1", ("booking:B1", "booking:B2")),
        ("F2", ("booking:B1", "booking:B2", "booking:B3")),
    ]


# --- F3 / F4 / F5 ------------------------------------------------------------------------------


def test_f3_outside_the_grant_window_but_not_on_its_first_and_last_day(m):
    g = grant(m, window_start=D(2023, 1, 1), window_end=D(2026, 12, 31))
    line(g, "EARLY", date=D(2022, 12, 31))
    line(g, "LATE", date=D(2027, 1, 1))
    line(g, "FIRST", date=D(2023, 1, 1))
    line(g, "LAST", date=D(2026, 12, 31))
    assert rules(m) == [("F3", ("booking:EARLY",)), ("F3", ("booking:LATE",))]


def test_f3_uses_the_stream_window_when_the_grant_has_none_and_eigen_is_open(m):
    npo = grant(
        m, "NPO-GEM", window_start=None, window_end=None
    )  # stream: 2021-07-01 .. 2025-07-31
    eigen = grant(m, "EIGEN", window_start=None, window_end=None)
    line(npo, "N1", date=D(2025, 8, 1))
    line(npo, "N2", date=D(2025, 7, 31))
    line(eigen, "E1", date=D(2040, 1, 1))
    assert rules(m) == [("F3", ("booking:N1",))]


def test_f4_school_of_a_sector_the_stream_does_not_allow(m):
    vo = f.SchoolFactory(municipality=m, sector="VO")
    bo = f.SchoolFactory(municipality=m, sector="BO")
    goab, eigen = grant(m), grant(m, "EIGEN")  # GOAB: VE BO SBO; EIGEN: all
    line(goab, "VO-GOAB", school=vo)
    line(goab, "BO-GOAB", school=bo)
    line(eigen, "VO-EIGEN", school=vo)
    line(goab, "NO-SCHOOL")
    found = run(m)
    assert list(found) == [("F4", ("booking:VO-GOAB",))]
    assert found[("F4", ("booking:VO-GOAB",))].school == vo


def test_f5_grant_overspent_counts_carry_over_and_credit_notes(m):
    over = grant(m, reference="OVER", amount=Decimal("1000.00"), carry_over=Decimal("500.00"))
    line(over, "O1", amount=Decimal("1500.00"))
    line(over, "O2", amount=Decimal("0.01"))
    exact = grant(m, reference="EXACT", amount=Decimal("1000.00"), carry_over=Decimal("500.00"))
    line(exact, "X1", amount=Decimal("1500.00"))
    credited = grant(m, reference="CREDIT", amount=Decimal("1000.00"))
    line(credited, "C1", amount=Decimal("1200.00"))
    line(credited, "C2", amount=Decimal("-200.00"))
    found = run(m)
    # (their carry-over names no source grant: F8's business, tests/test_funding_f8.py)
    assert [k for k in found if k[0] != "F8"] == [("F5", ("grant:OVER",))]
    assert found[("F5", ("grant:OVER",))].amount == Decimal("0.01")


# --- F6 / F7 -----------------------------------------------------------------------------------


def test_f6_depreciation_past_window_end_unless_signed_off(m, world_user=None):
    g = grant(m, window_start=D(2023, 1, 1), window_end=D(2026, 12, 31))
    line(g, "PAST", date=D(2023, 1, 15), depreciation_months=48)  # 2027-01-15 > 2026-12-31
    line(g, "ENDS", date=D(2023, 1, 31), depreciation_months=47)  # 2026-12-31: not past
    line(
        g,
        "SIGNED",
        date=D(2023, 1, 15),
        depreciation_months=120,
        signed_off_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    )
    line(g, "NONE", date=D(2023, 1, 15))
    assert rules(m) == [("F6", ("booking:PAST",))]


def test_f6_month_arithmetic_clips_to_the_month_end_and_compares_days(m):
    g = grant(m, reference="MIDMONTH", window_start=D(2023, 1, 1), window_end=D(2024, 2, 15))
    line(g, "DAY16", date=D(2023, 2, 16), depreciation_months=12)  # 2024-02-16 > 2024-02-15
    line(g, "DAY15", date=D(2023, 2, 15), depreciation_months=12)  # 2024-02-15: not past
    leap = grant(m, reference="LEAP", window_start=D(2023, 1, 1), window_end=D(2024, 2, 28))
    line(leap, "JAN31", date=D(2024, 1, 31), depreciation_months=1)  # 2024-02-29 (leap) > 02-28
    noleap = grant(m, reference="NOLEAP", window_start=D(2022, 1, 1), window_end=D(2023, 2, 28))
    line(noleap, "JAN31-23", date=D(2023, 1, 31), depreciation_months=1)  # 2023-02-28: not past
    assert rules(m) == [("F6", ("booking:DAY16",)), ("F6", ("booking:JAN31",))]


def test_f7_new_construction_on_npo_gem_only(m):
    npo, goab = grant(m, "NPO-GEM", window_start=None, window_end=None), grant(m)
    line(npo, "NEW-NPO", new_construction=True, date=D(2023, 3, 1))
    line(npo, "OLD-NPO", new_construction=False, date=D(2023, 3, 1))
    line(goab, "NEW-GOAB", new_construction=True)
    assert rules(m) == [("F7", ("booking:NEW-NPO",))]


# --- P1 ----------------------------------------------------------------------------------------


def test_p1_overlap_of_a_school_intervention_and_a_municipal_activity_of_other_streams(m):
    school = f.SchoolFactory(municipality=m, code="91KA00")
    municipal = f.activity_with_funding(
        municipality=m,
        code="TVT",
        themes=["sport", "cultuur"],
        schools=[school],
        streams=("NPO-GEM", "GOAB"),
        start=D(2023, 8, 1),
        end=D(2025, 7, 31),
    )
    own = f.activity_with_funding(
        municipality=m,
        owner_school=school,
        code="SPORT",
        themes=["sport"],
        streams=("NPO-SCHOOL",),
        start=D(2023, 8, 1),
        end=D(2024, 7, 31),
    )
    found = run(m)
    finding = found[("P1", ("activity:91KA00/SPORT", "activity:GM1952/TVT"))]
    assert (finding.severity, finding.school, finding.theme) == ("warning", school, "sport")
    assert len(found) == 1 and municipal and own


def test_p1_is_info_when_both_activities_are_funded_by_the_same_stream_only(m):
    a, b = (
        f.SchoolFactory(municipality=m, code="10AA00"),
        f.SchoolFactory(municipality=m, code="11AA00"),
    )
    f.activity_with_funding(municipality=m, code="X", themes=["taal", "rekenen"], schools=[a, b])
    f.activity_with_funding(municipality=m, code="Y", themes=["rekenen", "taal"], schools=[b, a])
    found = run(m)
    finding = found[("P1", ("activity:GM1952/X", "activity:GM1952/Y"))]
    assert finding.severity == "info"
    assert (finding.school.code, finding.theme) == (
        "10AA00",
        "rekenen",
    )  # first shared school and theme, sorted
    assert "10AA00, 11AA00" in finding.message and "rekenen, taal" in finding.message


def test_p1_near_misses_touching_periods_other_theme_other_school_other_sector(m):
    bo = f.SchoolFactory(municipality=m, code="10AA00", sector="BO")
    vo = f.SchoolFactory(municipality=m, code="12AA00", sector="VO")
    f.activity_with_funding(
        municipality=m,
        code="A",
        themes=["taal"],
        schools=[bo],
        start=D(2023, 1, 1),
        end=D(2023, 7, 31),
    )
    # touches A (starts the day after A ends): no overlap
    f.activity_with_funding(
        municipality=m,
        code="B",
        themes=["taal"],
        schools=[bo],
        start=D(2023, 8, 1),
        end=D(2024, 7, 31),
    )
    # same school and period as B, other theme
    f.activity_with_funding(
        municipality=m,
        code="C",
        themes=["rekenen"],
        schools=[bo],
        start=D(2023, 8, 1),
        end=D(2024, 7, 31),
    )
    # same theme and period as B, reaches only VO schools (implicit reach by sector)
    f.activity_with_funding(
        municipality=m,
        code="D",
        themes=["taal"],
        sectors=["VO"],
        start=D(2023, 8, 1),
        end=D(2024, 7, 31),
    )
    assert rules(m) == [] and vo


def test_p1_implicit_reach_of_every_school_when_nothing_is_listed(m):
    bo = f.SchoolFactory(municipality=m, code="10AA00", sector="BO")
    f.activity_with_funding(municipality=m, code="ALL", themes=["taal"], streams=("EIGEN",))
    f.activity_with_funding(
        municipality=m, owner_school=bo, code="OWN", themes=["taal"], streams=("NPO-SCHOOL",)
    )
    assert rules(m) == [("P1", ("activity:10AA00/OWN", "activity:GM1952/ALL"))]


# --- G1 ----------------------------------------------------------------------------------------


def test_g1_uncovered_moderate_need_in_a_submitted_scan(m):
    school = f.SchoolFactory(municipality=m, code="92LB00")
    f.NeedFactory(
        scan=f.ScanFactory(school=school, school_year="2023-2024", submitted=True),
        theme="taal",
        severity="moderate",
    )
    found = run(m)
    assert list(found) == [("G1", ("need:92LB00/2023-2024/taal",))]
    assert found[("G1", ("need:92LB00/2023-2024/taal",))].severity == "info"


def test_g1_near_misses_covered_by_municipality_wide_activity_limited_need_or_draft_scan(m):
    school = f.SchoolFactory(municipality=m, code="92LB00", sector="BO")
    other = f.SchoolFactory(municipality=m, code="93MC00", sector="BO")
    scan = f.ScanFactory(school=school, school_year="2023-2024", submitted=True)
    f.NeedFactory(
        scan=scan, theme="taal", severity="severe"
    )  # covered by the municipality-wide activity
    f.NeedFactory(scan=scan, theme="rekenen", severity="limited")  # not moderate/severe
    draft = f.ScanFactory(school=other, school_year="2023-2024")  # a draft
    f.NeedFactory(
        scan=draft, theme="zorg", severity="severe"
    )  # the municipality does not see drafts
    # lists no schools: reaches every school of the municipality; ends on the school year's first day
    f.activity_with_funding(
        municipality=m, code="LEES", themes=["taal"], start=D(2023, 1, 1), end=D(2023, 8, 1)
    )
    assert rules(m) == []


def test_g1_not_covered_by_an_activity_of_the_previous_school_year(m):
    school = f.SchoolFactory(municipality=m, code="92LB00")
    f.NeedFactory(
        scan=f.ScanFactory(school=school, school_year="2023-2024", submitted=True), theme="taal"
    )
    f.activity_with_funding(
        municipality=m,
        code="OLD",
        themes=["taal"],
        schools=[school],
        start=D(2022, 8, 1),
        end=D(2023, 7, 31),
    )
    assert rules(m) == [("G1", ("need:92LB00/2023-2024/taal",))]


# --- the review workflow across runs -----------------------------------------------------------


def test_justified_finding_survives_a_rerun_and_reopens_when_its_subjects_change(m):
    user = f.UserFactory()
    g = grant(m, "NPO-GEM", window_start=None, window_end=None)
    expenditure = line(g, "NEW", new_construction=True, date=D(2023, 3, 1))
    finding = run(m)[("F7", ("booking:NEW",))]
    with scopes_disabled():
        finding_review(
            finding=finding, actor=user, status="justified", reason="Afgestemd met het ministerie."
        )
    again = run(m)[("F7", ("booking:NEW",))]
    assert (again.pk, again.status, again.reason) == (
        finding.pk,
        "justified",
        "Afgestemd met het ministerie.",
    )
    with scopes_disabled():
        type(expenditure).objects.filter(pk=expenditure.pk).update(amount=Decimal("999.00"))
    reopened = run(m)[("F7", ("booking:NEW",))]
    assert (reopened.pk, reopened.status) == (finding.pk, "open")
    with scopes_disabled():
        assert AuditEvent.objects.filter(
            action="finding.reopen", object_id=str(finding.pk)
        ).exists()
        assert AuditEvent.objects.filter(
            action="finding.justified", reason="Afgestemd met het ministerie."
        ).exists()


def test_rerun_removes_open_findings_no_longer_derived_and_keeps_reviewed_ones_inactive(m):
    user = f.UserFactory()
    g = grant(m, "NPO-GEM", window_start=None, window_end=None)
    a = line(g, "A", new_construction=True, date=D(2023, 3, 1))
    b = line(g, "B", new_construction=True, date=D(2023, 3, 1))
    found = run(m)
    with scopes_disabled():
        finding_review(
            finding=found[("F7", ("booking:B",))],
            actor=user,
            status="resolved",
            reason="Gecorrigeerd.",
        )
        type(a).objects.filter(pk__in=[a.pk, b.pk]).update(new_construction=False)
    assert run(m) == {}
    with scopes_disabled():
        assert not Finding.objects.filter(subjects=["booking:A"]).exists()
        kept = Finding.objects.get(subjects=["booking:B"])
        assert (kept.status, kept.active) == ("resolved", False)


def test_review_needs_a_reason(m):
    from portal.exceptions import ApplicationError

    g = grant(m, "NPO-GEM", window_start=None, window_end=None)
    line(g, "A", new_construction=True, date=D(2023, 3, 1))
    finding = run(m)[("F7", ("booking:A",))]
    with pytest.raises(ApplicationError), scopes_disabled():
        finding_review(finding=finding, actor=f.UserFactory(), status="justified", reason="  ")


def test_findings_stay_within_their_municipality(m):
    other = f.MunicipalityFactory(code="GM1979", slug="eemsdelta")
    g = grant(other, "NPO-GEM", window_start=None, window_end=None)
    line(g, "THERE", new_construction=True, date=D(2023, 3, 1))
    assert run(m) == {}
    assert list(run(other)) == [("F7", ("booking:THERE",))]


def test_the_migration_refolds_stored_keys_like_the_live_function():
    """Migration 0015 froze a copy of normalise_key: lines stored before compare alike."""
    import importlib

    migration = importlib.import_module("funding.migrations.0015_fold_look_alikes_of_every_letter")
    samples = ["Straße", "Sport B\u0430", "\ufb01rma", "SB/2023/77", "\u0397\u03b7\u0396\u03b6"]
    for value in samples + [c for chars in LOOKALIKES.values() for c in chars]:
        assert migration._key(value) == normalise_key(value), value
