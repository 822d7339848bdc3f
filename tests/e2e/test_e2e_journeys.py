"""One browser journey per role, doing that person's weekly job by clicking, as the README's
demo tells it (issue 12 §7). They run in CI (.ci/run, PORTAL_REQUIRE_BROWSER=1) and do not skip."""

import os
import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django_scopes import scopes_disabled

from funding.models import FundingStream
from portal.models import AuditEvent, Role
from tests import factories as f

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def _main_text(page):
    return page.locator("main").inner_text().replace("\xa0", " ")


def test_accountant_signs_off_an_f6_line_with_confirmation_and_downloads_the_report(
    page, world, shipped_data
):
    with scopes_disabled():
        npo = FundingStream.objects.get(code="NPO-GEM")
    grant = f.GrantFactory(
        municipality=world.municipality,
        stream=npo,
        reference="NPO",
        window_start=date(2021, 7, 1),
        window_end=date(2025, 7, 31),
    )
    f.ExpenditureFactory(
        grant=grant, booking_id="KEUKEN", date=date(2023, 10, 2), depreciation_months=120
    )
    f.SpendingReportFactory(municipality=world.municipality, done=True)
    accountant = world.users[Role.ACCOUNTANT]

    log_in(page, accountant.email)
    page.get_by_role("navigation", name="Hoofdnavigatie").get_by_role(
        "link", name="Bestedingen"
    ).click()
    page.get_by_label("Aftekening").select_option(label="wacht op aftekening")
    page.get_by_role("button", name="Filteren").click()
    page.get_by_role("link", name="KEUKEN").click()

    # one click does not sign off: the button opens a confirmation with an optional note
    page.locator("summary", has_text="Aftekenen").click()
    assert "kan niet ongedaan worden gemaakt" in _main_text(page)
    page.get_by_label("Notitie (niet verplicht)").fill("Keuken gaat tien jaar mee.")
    page.get_by_role("button", name="Ja, aftekenen").click()
    page.wait_for_load_state()
    assert "Besteding KEUKEN afgetekend." in _main_text(page)
    with scopes_disabled():
        assert (
            AuditEvent.objects.get(action="expenditure.sign_off").reason
            == "Keuken gaat tien jaar mee."
        )

    page.get_by_role("navigation", name="Hoofdnavigatie").get_by_role(
        "link", name="Rapportages"
    ).click()
    page.locator("main table a").first.click()
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Download PDF").click()
    assert pdf.value.suggested_filename.endswith(".pdf")


def test_coordinator_compares_the_region_and_picks_a_year(page, world, shipped_data):
    with scopes_disabled():
        npo = FundingStream.objects.get(code="NPO-GEM")
    for year in (2023, 2024):
        f.GrantFactory(
            municipality=world.municipality,
            stream=npo,
            reference=f"NPO-{year}",
            window_start=date(year, 1, 1),
            window_end=date(year, 12, 31),
        )
    log_in(page, world.users[Role.REGIONAL_COORDINATOR].email)
    assert page.url.endswith("/regio/kenniskring-noord/")
    assert "Midden-Groningen" in _main_text(page)
    page.get_by_label("Kalenderjaar").select_option("2023")
    page.get_by_role("button", name="Toon").click()
    page.wait_for_load_state()
    assert "jaar=2023" in page.url
    assert page.get_by_role("heading", name="NPO-GEM en GOAB per leerling in 2023").is_visible()
    with page.expect_download() as csv:
        page.get_by_role("link", name="Exporteer CSV").click()
    assert csv.value.suggested_filename.endswith(".csv")


def test_lea_chair_plans_a_meeting_records_a_decision_and_an_action_and_exports_the_list(
    page, world, shipped_data
):
    log_in(page, world.users[Role.LEA_CHAIR].email)
    nav = page.get_by_role("navigation", name="Hoofdnavigatie")
    nav.get_by_role("link", name="Overleggen").click()
    page.get_by_role("link", name="Overleg plannen").click()
    page.locator("#id_type").select_option(index=1)
    page.locator("#id_title").fill("LEA-overleg december")
    starts = page.locator("#id_starts_at")
    starts.fill(
        "2030-12-15T15:00"
        if starts.get_attribute("type") == "datetime-local"
        else "15-12-2030 15:00"
    )
    page.locator("#id_location").fill("Gemeentehuis")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_load_state()
    assert "Overleg gepland." in _main_text(page)

    page.get_by_role("link", name="Agendapunt toevoegen").click()
    page.locator("#id_title").fill("Zomerschool 2031")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_load_state()

    page.get_by_role("link", name="Besluit bij Zomerschool 2031").click()
    page.locator("#id_text").fill("De zomerschool gaat door.")
    page.get_by_role("button", name="Vastleggen").click()
    page.wait_for_load_state()
    assert "De zomerschool gaat door." in _main_text(page)

    page.get_by_role("link", name="Actiepunt bij Zomerschool 2031").click()
    page.locator("#id_description").fill("Locaties voor de zomerschool vastleggen")
    page.locator("#id_owner_name").fill("Beleidsmedewerker onderwijs")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_load_state()
    # the page says where the action went: under its agenda item
    assert "Actiepunt vastgelegd bij agendapunt “Zomerschool 2031”." in _main_text(page)
    assert "#item-" in page.url

    nav.get_by_role("link", name="Actiepunten").click()
    assert "Locaties voor de zomerschool vastleggen" in _main_text(page)
    with page.expect_download() as xlsx:
        page.get_by_role("link", name="Exporteren (XLSX)").click()
    assert xlsx.value.suggested_filename.endswith(".xlsx")


def test_director_fills_in_and_submits_a_scan_with_a_document(page, world, shipped_data, tmp_path):
    director = world.users[Role.SCHOOL_DIRECTOR]
    log_in(page, director.email)
    page.get_by_role("navigation", name="Hoofdnavigatie").get_by_role(
        "link", name="Schoolscans"
    ).click()
    page.get_by_role("link", name="Nieuwe scan").click()
    # the director's only school is already chosen
    assert page.locator("#id_school").input_value() == str(world.school.pk)
    page.get_by_role("button", name="Scan aanmaken").click()
    page.wait_for_load_state()

    # the new draft opens on its needs form
    assert "De scan is aangemaakt als concept." in _main_text(page)
    page.get_by_label("taal en lezen: ernst", exact=False).select_option("severe")
    page.get_by_label("taal en lezen: aandeel leerlingen", exact=False).fill("40")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_load_state()
    assert "De behoeften zijn opgeslagen." in _main_text(page)

    document = tmp_path / "schoolscan.pdf"
    document.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.get_by_label("Scandocument").set_input_files(str(document))
    page.get_by_role("button", name="Uploaden").click()
    page.wait_for_load_state()
    assert "Het document is opgeslagen (versie 1)." in _main_text(page)

    page.locator("summary", has_text="Indienen bij de gemeente").click()
    page.get_by_role("button", name="Ja, schoolscan indienen").click()
    page.wait_for_load_state()
    assert "De scan is ingediend bij de gemeente." in _main_text(page)
    assert not page.locator("summary", has_text="Indienen bij de gemeente").count()


def test_officer_imports_runs_the_checks_justifies_a_finding_and_downloads_a_report(
    request, page, world, shipped_data, tmp_path
):
    if os.environ.get("REDIS_URL"):
        # on PostgreSQL + Redis (CI's second run) the checks and the report run on a real worker
        request.getfixturevalue("celery_worker")
    # the municipality's own rows of the shipped sample grants file
    sample = Path(settings.BASE_DIR) / "portal" / "demo_data" / "grants.csv"
    lines = sample.read_text(encoding="utf-8").splitlines()
    grants = tmp_path / "beschikkingen.csv"
    grants.write_text(
        "\n".join([lines[0]] + [ln for ln in lines[1:] if ln.startswith("GM1952,")]) + "\n",
        encoding="utf-8",
    )
    with scopes_disabled():
        npo = FundingStream.objects.get(code="NPO-GEM")
    grant = f.GrantFactory(
        municipality=world.municipality,
        stream=npo,
        reference="NPO",
        window_start=date(2021, 7, 1),
        window_end=date(2025, 7, 31),
    )
    f.ExpenditureFactory(
        grant=grant, booking_id="KEUKEN", date=date(2023, 10, 2), depreciation_months=120
    )

    log_in(page, world.users[Role.POLICY_OFFICER].email)
    nav = page.get_by_role("navigation", name="Hoofdnavigatie")
    nav.get_by_role("link", name="Beschikkingen").click()
    page.locator("main").get_by_role("link", name="Importeren").first.click()
    page.locator("input[type=file]").set_input_files(str(grants))
    page.get_by_role("button", name="Controleren").click()
    page.wait_for_load_state()
    assert "geen fouten" in _main_text(page)
    assert page.get_by_role("table", name="Voorbeeld van de eerste regels").is_visible()
    # Confirmed, the import runs as a background job; its page shows the result.
    page.get_by_role("button", name=re.compile(r"^Importeer ")).click()
    page.get_by_text("Import voltooid").wait_for(timeout=60000)

    nav.get_by_role("link", name="Bevindingen").click()
    page.get_by_role("button", name="Controle nu uitvoeren").click()
    page.wait_for_load_state()
    page.get_by_text("Klaar", exact=True).first.wait_for(timeout=60000)
    page.goto(page.url.split("?")[0])
    row = page.locator("tr", has=page.get_by_role("link", name="Boeking KEUKEN"))
    row.get_by_role("combobox").select_option("justified")
    row.get_by_role("textbox").fill("Keuken gaat tien jaar mee; afgestemd met de accountant.")
    row.get_by_role("button", name="Opslaan").click()
    page.wait_for_load_state()
    assert "Keuken gaat tien jaar mee" in _main_text(page)

    nav.get_by_role("link", name="Rapportages").click()
    page.get_by_label("Stroom").select_option("NPO-GEM")
    page.get_by_role("button", name="Aanvragen").click()
    page.wait_for_load_state()
    # the page says when the files are ready (built in the background, polled)
    download_pdf = page.get_by_role("link", name="Download PDF")
    download_pdf.wait_for(timeout=60000)
    with page.expect_download() as pdf:
        download_pdf.click()
    assert pdf.value.suggested_filename.endswith(".pdf")
    with page.expect_download() as xlsx:
        page.get_by_role("link", name="Download XLSX").click()
    assert xlsx.value.suggested_filename.endswith(".xlsx")
