"""Every state is visible to the person who acts on it (issue 10 §7): a scan the municipality
sent back stays in the officer's scan list, on the school page and in the heat map, as
"teruggestuurd" with the municipality's remark; its needs do not count until it comes back."""

import csv
import io

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from portal.models import Role
from schools import selectors, services

from . import factories as f

YEAR = "2023-2024"
REMARK = "Vul ook het aandeel leerlingen bij taal in."


@pytest.fixture
def returned(world):
    scan = f.ScanFactory(school=world.school, school_year=YEAR, submitted=True)
    f.NeedFactory(scan=scan, theme="taal", severity="severe")
    with scope(municipality=world.municipality):
        services.scan_return(actor=world.users[Role.POLICY_OFFICER], scan=scan, comment=REMARK)
    return scan


def _get(client, world, name, **kwargs):
    url = reverse(name, kwargs={"municipality": world.municipality.slug, **kwargs})
    return client.get(url)


def test_officer_scan_list_shows_the_returned_scan_with_status_and_remark(client, world, returned):
    client.force_login(world.users[Role.POLICY_OFFICER])
    page = _get(client, world, "schools:scan_list").content.decode()
    assert "OBS De Vlonder" in page and "teruggestuurd" in page and REMARK in page
    assert "Nog geen scans." not in page
    response = client.get(
        reverse("schools:scan_list", kwargs={"municipality": world.municipality.slug})
        + "?export=csv"
    )
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig")), delimiter=";"))
    assert rows[1][3] == "teruggestuurd" and rows[1][6] == REMARK
    # the scan page explains that what it shows is being revised
    detail = _get(client, world, "schools:scan_detail", scan_id=returned.pk).content.decode()
    assert "Teruggestuurd naar de school" in detail and REMARK in detail


def test_school_page_lists_the_returned_scan(client, world, returned):
    client.force_login(world.users[Role.POLICY_OFFICER])
    page = _get(client, world, "schools:school_detail", school_id=world.school.pk).content.decode()
    assert "Nog geen scans." not in page
    assert "teruggestuurd" in page and REMARK[:40] in page


def test_heat_map_marks_the_scan_returned_not_missing(client, world, returned):
    with scopes_disabled():
        overview = selectors.overview(municipality=world.municipality, school_year=YEAR)
    assert [r.school.code for r in overview.returned] == ["91KA00"]
    assert [s.code for s in overview.missing] == ["92LB00"]
    assert overview.submitted_count == 0 and overview.top_themes == []  # its needs do not count
    client.force_login(world.users[Role.POLICY_OFFICER])
    page = client.get(
        reverse("schools:scan_overview", kwargs={"municipality": world.municipality.slug})
        + f"?school_year={YEAR}"
    ).content.decode()
    row = page[page.index("OBS De Vlonder") :][:800]
    assert "teruggestuurd" in row and "ontbreekt" not in row


def test_resubmitted_scan_is_submitted_again(world, returned):
    with scope(municipality=world.municipality):
        services.scan_submit(actor=world.users[Role.SCHOOL_DIRECTOR], scan=returned)
    with scopes_disabled():
        overview = selectors.overview(municipality=world.municipality, school_year=YEAR)
        assert overview.returned == [] and overview.submitted_count == 1
        returned.refresh_from_db()
        assert returned.state == "submitted" and returned.state_label == "ingediend"


def test_a_plain_draft_stays_invisible_to_the_municipality(client, world):
    f.ScanFactory(school=world.other_school, school_year=YEAR)  # never submitted
    client.force_login(world.users[Role.POLICY_OFFICER])
    page = _get(client, world, "schools:scan_list").content.decode()
    assert "CBS Het Kompas" not in page


def test_dashboard_panel_marks_the_returned_scan(client, world, returned):
    client.force_login(world.users[Role.POLICY_OFFICER])
    page = client.get(
        reverse("portal:dashboard", kwargs={"municipality": world.municipality.slug})
    ).content.decode()
    panel = page[page.index("Scans nog niet ingediend") :][:1200]
    assert 'OBS De Vlonder (91KA00) <span class="badge badge--warn">teruggestuurd</span>' in panel
    assert "CBS Het Kompas (92LB00)</li>" in panel


def test_import_page_lists_earlier_jobs_with_their_status(client, world):
    from portal.models import ImportJob

    with scopes_disabled():
        job = ImportJob.objects.create(
            municipality=world.municipality,
            kind="needs",
            status="failed",
            path="imports/schools/x",
            filename="behoeften.csv",
            summary="Het bestand kon niet worden gelezen.",
        )
    client.force_login(world.users[Role.POLICY_OFFICER])
    page = _get(client, world, "schools:needs_import").content.decode()
    assert "Eerdere imports" in page and "behoeften.csv" in page and "mislukt" in page
    assert f"/{job.pk}/" in page
