"""The dashboard's scan panel counts in the database (schools.selectors.overview_summary, issue
14) what the full overview builds row by row: both must agree on every figure."""

import random

import pytest
from django_scopes import scope

from portal.domain import Severity, Theme
from schools import selectors
from schools.models import Scan, ScanComment

from . import factories as f

pytestmark = pytest.mark.django_db

YEAR = "2023-2024"


def _mixed_set(world, seed):
    """Schools with a submitted, reviewed, imported, returned, plain draft or no scan, with
    needs of every severity (returned scans too: their needs must not count)."""
    rng = random.Random(seed)
    themes = [code for code, _label in Theme.choices]
    severities = [s for s, _label in Severity.choices]
    for n in range(24):
        school = f.SchoolFactory(municipality=world.municipality, name=f"School {n:02d}")
        kind = rng.choice(["submitted", "reviewed", "import", "returned", "draft", "none"])
        if kind == "none":
            continue
        scan = f.ScanFactory(
            school=school,
            school_year=YEAR,
            status={"submitted": Scan.Status.SUBMITTED, "reviewed": Scan.Status.REVIEWED}.get(
                kind, Scan.Status.DRAFT
            ),
            source=Scan.Source.IMPORT if kind == "import" else Scan.Source.FORM,
        )
        if kind == "returned":
            ScanComment.objects.create(scan=scan, kind=ScanComment.Kind.RETURNED, text="Graag.")
        for theme in rng.sample(themes, rng.randint(0, 5)):
            f.NeedFactory(scan=scan, theme=theme, severity=rng.choice(severities))
    # another municipality's scans and another year's stay out
    f.ScanFactory(school=world.foreign_school, school_year=YEAR, submitted=True)
    f.ScanFactory(school=world.school, school_year="2021-2022", submitted=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_summary_matches_the_overview(world, seed):
    _mixed_set(world, seed)
    with scope(municipality=world.municipality):
        full = selectors.overview(municipality=world.municipality, school_year=YEAR)
        summary = selectors.overview_summary(municipality=world.municipality, school_year=YEAR)
        assert summary.submitted_count == full.submitted_count
        assert summary.returned_count == len(full.returned)
        assert summary.missing_count == len(full.missing)
        assert list(summary.missing) == full.missing
        assert summary.top_themes == full.top_themes
    # the set has something to count
    assert full.submitted_count and full.top_themes and full.missing


def test_summary_takes_three_queries(world, django_assert_num_queries):
    _mixed_set(world, 4)
    with scope(municipality=world.municipality), django_assert_num_queries(3):
        selectors.overview_summary(municipality=world.municipality, school_year=YEAR)


def test_summary_without_scans_reads_no_needs(world, django_assert_num_queries):
    with scope(municipality=world.municipality), django_assert_num_queries(2):
        summary = selectors.overview_summary(municipality=world.municipality, school_year=YEAR)
    assert (summary.submitted_count, summary.returned_count, summary.top_themes) == (0, 0, [])
    assert summary.missing_count == 2  # the world's two schools
