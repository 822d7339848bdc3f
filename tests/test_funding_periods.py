"""Per-period figures (issue 10 §1): a grant's budget for year T is amount x days of its window in
T / days of its window. Expected values are computed by hand (bc) from the data below:

- GOAB 2019-01-01..2022-12-31, EUR 4.200.000: 1461 days (2020 is a leap year);
  2022: 4200000 x 365 / 1461 = 1049281.314 -> 1.049.281,31; 2020: x 366 -> 1.052.156,06.
- GOAB 2023-01-01..2026-12-31, EUR 4.650.000 (+ 1.034.000 carried over, never counted again):
  1461 days (2024 is a leap year); 2023 and 2026: x 365 / 1461 = 1161704.312 -> 1.161.704,31;
  2024: x 366 -> 1.164.887,06.
- NPO-GEM 2021-07-01..2025-07-31 (4 years and 1 month), EUR 1.382.450: 1492 days;
  2021: 184 days -> 170489.812 -> 170.489,81; 2022: 365 -> 338199.899 -> 338.199,90;
  2024: 366 -> 339126.475 -> 339.126,47; 2025: 212 -> 196433.914 -> 196.433,91.
"""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from funding.models import FundingStream
from funding.periods import (
    budgets_for_year,
    last_year_budget,
    prorated_amount,
    window_days_in_year,
)
from funding.selectors import grants, region_per_pupil, stream_figures, windows_ending
from portal.models import Role

from . import factories as f

D = dt.date


def test_days_of_a_window_in_a_year():
    assert window_days_in_year(D(2021, 7, 1), D(2025, 7, 31), 2021) == 184
    assert window_days_in_year(D(2021, 7, 1), D(2025, 7, 31), 2024) == 366
    assert window_days_in_year(D(2021, 7, 1), D(2025, 7, 31), 2025) == 212
    assert window_days_in_year(D(2021, 7, 1), D(2025, 7, 31), 2026) == 0
    assert window_days_in_year(D(2021, 7, 1), D(2025, 7, 31), 2020) == 0


@pytest.mark.parametrize(
    "amount, start, end, year, expected",
    [
        ("4200000.00", D(2019, 1, 1), D(2022, 12, 31), 2022, "1049281.31"),
        ("4200000.00", D(2019, 1, 1), D(2022, 12, 31), 2020, "1052156.06"),
        ("4200000.00", D(2019, 1, 1), D(2022, 12, 31), 2023, "0.00"),
        ("4650000.00", D(2023, 1, 1), D(2026, 12, 31), 2023, "1161704.31"),
        ("4650000.00", D(2023, 1, 1), D(2026, 12, 31), 2024, "1164887.06"),
        ("4650000.00", D(2023, 1, 1), D(2026, 12, 31), 2022, "0.00"),
        ("1382450.00", D(2021, 7, 1), D(2025, 7, 31), 2021, "170489.81"),
        ("1382450.00", D(2021, 7, 1), D(2025, 7, 31), 2022, "338199.90"),
        ("1382450.00", D(2021, 7, 1), D(2025, 7, 31), 2024, "339126.47"),
        ("1382450.00", D(2021, 7, 1), D(2025, 7, 31), 2025, "196433.91"),
        # one calendar year: the whole amount
        ("80000.00", D(2024, 1, 1), D(2024, 12, 31), 2024, "80000.00"),
    ],
)
def test_prorated_amount_to_the_cent(amount, start, end, year, expected):
    assert prorated_amount(Decimal(amount), start, end, year) == Decimal(expected)


def test_prorated_amount_refuses_a_reversed_window():
    with pytest.raises(ValueError):
        prorated_amount(Decimal(1), D(2024, 2, 1), D(2024, 1, 1), 2024)


def test_last_year_budget():
    assert last_year_budget(Decimal("4200000.00"), D(2019, 1, 1), D(2022, 12, 31)) == Decimal(
        "1049281.31"
    )
    # a grant of one year alone: its whole amount
    assert last_year_budget(Decimal("50000.00"), D(2022, 1, 1), D(2022, 12, 31)) == Decimal(
        "50000.00"
    )
    assert last_year_budget(Decimal("123.45"), None, None) == Decimal("123.45")


@pytest.fixture
def midden(world):
    """Midden-Groningen with 5 schools of 200 pupils (1000 pupils) and the three grants above;
    Eemsdelta with 3 schools (below the small-number threshold of 5) and one GOAB grant."""
    m = world.municipality
    for _ in range(3):
        f.SchoolFactory(municipality=m, pupil_count=200)
    for _ in range(2):
        f.SchoolFactory(municipality=world.other_municipality, pupil_count=100)
    world.region.municipalities.add(world.other_municipality)
    with scopes_disabled():
        goab = FundingStream.objects.get(code="GOAB")
        npo = FundingStream.objects.get(code="NPO-GEM")
    old = f.GrantFactory(
        municipality=m,
        stream=goab,
        reference="GOAB-2019-2022",
        window_start=D(2019, 1, 1),
        window_end=D(2022, 12, 31),
        amount=Decimal("4200000.00"),
    )
    f.GrantFactory(
        municipality=m,
        stream=goab,
        reference="GOAB-2023-2026",
        window_start=D(2023, 1, 1),
        window_end=D(2026, 12, 31),
        amount=Decimal("4650000.00"),
        carry_over=Decimal("1034000.00"),
        carried_from=old,
    )
    f.GrantFactory(
        municipality=m,
        stream=npo,
        reference="SPUK-NPO-2021",
        window_start=D(2021, 7, 1),
        window_end=D(2025, 7, 31),
        amount=Decimal("1382450.00"),
    )
    f.GrantFactory(
        municipality=world.other_municipality,
        stream=goab,
        reference="GOAB-E",
        window_start=D(2023, 1, 1),
        window_end=D(2026, 12, 31),
        amount=Decimal("1461000.00"),  # 1000 a day: 2024 -> 366.000,00
    )
    return world


def _row(rows, municipality):
    return next(r for r in rows if r["municipality"] == municipality)


@pytest.mark.parametrize(
    "year, goab, goab_pp, npo, npo_pp",
    [
        (2022, "1049281.31", "1049.28", "338199.90", "338.20"),
        (2023, "1161704.31", "1161.70", "338199.90", "338.20"),
        (2024, "1164887.06", "1164.89", "339126.47", "339.13"),
        (2025, "1161704.31", "1161.70", "196433.91", "196.43"),
        (2026, "1161704.31", "1161.70", "0.00", None),
    ],
)
def test_region_per_pupil_counts_each_grant_in_its_own_years(
    midden, year, goab, goab_pp, npo, npo_pp
):
    with scopes_disabled():
        rows = region_per_pupil(
            municipalities=[midden.municipality, midden.other_municipality], year=year
        )
    row = _row(rows, midden.municipality)
    assert row["pupils"] == 1000 and row["schools"] == 5 and not row["suppressed"]
    assert row["goab"] == Decimal(goab) and row["goab_per_pupil"] == Decimal(goab_pp)
    assert row["npo"] == Decimal(npo)
    assert row["npo_per_pupil"] == (Decimal(npo_pp) if npo_pp else Decimal("0.00"))


def test_region_per_pupil_suppresses_fewer_than_five_schools(midden, settings):
    with scopes_disabled():
        rows = region_per_pupil(
            municipalities=[midden.municipality, midden.other_municipality], year=2024
        )
        eemsdelta = _row(rows, midden.other_municipality)
        assert eemsdelta["schools"] == 3 and eemsdelta["suppressed"]
        assert eemsdelta["pupils"] is None and eemsdelta["goab_per_pupil"] is None
        assert eemsdelta["goab"] == Decimal("366000.00")  # the budget itself is public
        settings.PORTAL_SMALL_NUMBER_THRESHOLD = 3
        rows = region_per_pupil(
            municipalities=[midden.municipality, midden.other_municipality], year=2024
        )
    eemsdelta = _row(rows, midden.other_municipality)
    assert not eemsdelta["suppressed"] and eemsdelta["pupils"] == 400
    assert eemsdelta["goab_per_pupil"] == Decimal("915.00")  # 366000 / 400


def test_region_per_pupil_queries_do_not_grow_with_municipalities(
    midden, django_assert_num_queries
):
    with scopes_disabled():
        few = [midden.municipality, midden.other_municipality]
        with django_assert_num_queries(2):
            region_per_pupil(municipalities=few, year=2024)
        many = few + [f.MunicipalityFactory() for _ in range(6)]
        for m in many[2:]:
            f.GrantFactory(municipality=m)
            f.SchoolFactory(municipality=m)
        with django_assert_num_queries(2):
            region_per_pupil(municipalities=many, year=2024)


def test_grant_without_window_falls_back_to_the_stream_window(world):
    # NPO-GEM's stream window is 2021-07-01 .. 2025-07-31, as in the explicit grant above
    with scopes_disabled():
        npo = FundingStream.objects.get(code="NPO-GEM")
    f.GrantFactory(
        municipality=world.municipality,
        stream=npo,
        window_start=None,
        window_end=None,
        amount=Decimal("1382450.00"),
    )
    with scopes_disabled():
        budgets = budgets_for_year(municipality_ids=[world.municipality.pk], year=2025)
    assert budgets[(world.municipality.pk, "NPO-GEM")].amount == Decimal("196433.91")


def test_open_ended_own_budget_counts_whole_in_years_in_use(world):
    with scopes_disabled():
        eigen = FundingStream.objects.get(code="EIGEN")
    grant = f.GrantFactory(
        municipality=world.municipality,
        stream=eigen,
        window_start=D(2023, 6, 19),
        window_end=None,
        amount=Decimal("300000.00"),
    )
    f.ExpenditureFactory(grant=grant, date=D(2024, 3, 1))
    f.FundingLineFactory(
        activity=f.ActivityFactory(
            municipality=world.municipality, start=D(2026, 1, 1), end=D(2026, 6, 30)
        ),
        stream=eigen,
    )
    key = (world.municipality.pk, "EIGEN")
    with scopes_disabled():

        def budget(year):
            return budgets_for_year(municipality_ids=[world.municipality.pk], year=year).get(key)

        assert budget(2024).amount == Decimal("300000.00") and budget(2024).open
        assert budget(2025) is None  # no lines, no planned funding
        assert budget(2026).amount == Decimal("300000.00")  # planned funding runs in 2026
        assert budget(2022) is None  # before its window starts


def test_dashboard_figures_count_carry_over_once_and_show_the_year(midden):
    with scopes_disabled():
        goab = FundingStream.objects.get(code="GOAB")
        new = goab.grants.get(reference="GOAB-2023-2026")
        f.ExpenditureFactory(grant=new, date=D(2024, 5, 1), amount=Decimal("1000.00"))
        f.ExpenditureFactory(grant=new, date=D(2023, 5, 1), amount=Decimal("250.00"))
        rows = {
            r["stream"].code: r for r in stream_figures(municipality=midden.municipality, year=2024)
        }
    # 4.200.000 + 4.650.000; the 1.034.000 carried over is money of the 2019-2022 grant
    assert rows["GOAB"]["granted"] == Decimal("8850000.00")
    assert rows["GOAB"]["budget_year"] == Decimal("1164887.06")
    assert rows["GOAB"]["spent_year"] == Decimal("1000.00")
    assert rows["GOAB"]["spent"] == Decimal("1250.00")
    assert rows["NPO-GEM"]["budget_year"] == Decimal("339126.47")


def _region_url(world):
    return reverse("portal:region_dashboard", kwargs={"region": world.region.slug})


def test_region_page_has_a_year_selector_and_suppresses_small_numbers(client, midden):
    client.force_login(midden.users[Role.REGIONAL_COORDINATOR])
    content = client.get(_region_url(midden) + "?jaar=2024").content.decode()
    assert "€\xa01.164.887,06" in content and "€\xa01.164,89" in content  # GOAB 2024
    assert "€\xa0339.126,47" in content and "€\xa0339,13" in content  # NPO-GEM 2024
    assert '<option value="2024" selected>' in content
    assert "minder dan 5 scholen" in content and "€\xa0366.000,00" in content
    assert "€\xa0915,00" not in content  # Eemsdelta per pupil is suppressed
    # a year that is not offered falls back to the current one
    response = client.get(_region_url(midden) + "?jaar=abc")
    assert response.status_code == 200
    assert f'<option value="{dt.date.today().year}" selected>' in response.content.decode()


def test_region_export_holds_the_same_figures(client, midden):
    client.force_login(midden.users[Role.REGIONAL_COORDINATOR])
    url = reverse("funding_region:per_pupil_export", kwargs={"region": midden.region.slug})
    response = client.get(url + "?jaar=2024&export=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Gemeente", "CBS-code", "Jaar", "Leerlingen"]
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["Midden-Groningen"][2:8] == [
        "2024",
        "1000",
        "339126,47",
        "339,13",
        "1164887,06",
        "1164,89",
    ]
    assert by_name["Eemsdelta"][3] == "–" and by_name["Eemsdelta"][7] == "–"
    assert by_name["Eemsdelta"][6] == "366000,00"
    assert by_name["Eemsdelta"][8] == "minder dan 5 scholen"
    response = client.get(url + "?jaar=2024&export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["Midden-Groningen"][6] == 1164887.06
    assert values["Eemsdelta"][7] == "–"
    # other roles and other regions' coordinators do not get it
    client.force_login(midden.users[Role.POLICY_OFFICER])
    assert client.get(url).status_code == 404


def test_money_carried_over_is_the_later_grants_remaining_not_also_the_sources(client, midden):
    """GOAB 2019-2022 (4.200.000, 200.000 spent) carried 1.034.000 into GOAB 2023-2026
    (4.650.000). Remaining: 4.200.000 - 200.000 - 1.034.000 = 2.966.000 for the first,
    4.650.000 + 1.034.000 = 5.684.000 for the second; together 8.650.000 = 8.850.000 granted
    - 200.000 spent, the carry-over counted once."""
    with scopes_disabled():
        old = FundingStream.objects.get(code="GOAB").grants.get(reference="GOAB-2019-2022")
        f.ExpenditureFactory(grant=old, date=D(2022, 3, 1), amount=Decimal("200000.00"))
        rows = {
            g.reference: g
            for g in grants(municipality=midden.municipality).filter(stream__code="GOAB")
        }
        assert (rows["GOAB-2019-2022"].carried_out, rows["GOAB-2019-2022"].remaining) == (
            Decimal("1034000.00"),
            Decimal("2966000.00"),
        )
        assert (rows["GOAB-2023-2026"].carried_out, rows["GOAB-2023-2026"].remaining) == (
            Decimal("0.00"),
            Decimal("5684000.00"),
        )
        # three months before its window ends, the first grant has 2.966.000 left to lose
        ending = windows_ending(municipality=midden.municipality, today=D(2022, 10, 1))
        assert [(r["grant"].reference, r["unspent"]) for r in ending] == [
            ("GOAB-2019-2022", Decimal("2966000.00"))
        ]
    client.force_login(midden.users[Role.POLICY_OFFICER])
    url = reverse("funding:grant_list", kwargs={"municipality": midden.municipality.slug})
    page = client.get(url).content.decode()
    assert "€\xa02.966.000,00" in page and "na €\xa01.034.000,00 overgeheveld" in page
    export = b"".join(client.get(url + "?export=csv").streaming_content).decode("utf-8-sig")
    line = next(
        r for r in csv.reader(io.StringIO(export), delimiter=";") if r[0] == "GOAB-2019-2022"
    )
    assert line[-1] == "2966000,00"
