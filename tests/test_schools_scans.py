"""School scans: the director's workflow, the municipality's review, documents and the
school's own interventions, with who may see what."""

import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scopes_disabled

from funding.models import Activity, FundingStream
from portal.models import AuditEvent, Role
from schools.models import Scan, ScanComment, ScanDocument

from . import factories as f

pytestmark = pytest.mark.django_db

PDF = f.PDF_BYTES


def office_file(folder: str) -> bytes:
    """A minimal DOCX (``word``) or XLSX (``xl``) package. The members carry a fixed date, so
    two calls give the same bytes (a zip stores each member's time: a test comparing an
    upload with a fresh copy failed when the clock passed a second between the two)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, text in (("[Content_Types].xml", "<Types/>"), (f"{folder}/document.xml", "<x/>")):
            package.writestr(zipfile.ZipInfo(name, date_time=(2023, 4, 26, 12, 0, 0)), text)
    return buffer.getvalue()


def url(world, name, **kwargs):
    return reverse(f"schools:{name}", kwargs={"municipality": world.municipality.slug, **kwargs})


def intervention_url(world, name, **kwargs):
    # A scan's interventions are funding's (issue 9 §3); the scan page links there.
    return reverse(f"funding:{name}", kwargs={"municipality": world.municipality.slug, **kwargs})


def login(client, world, role):
    client.force_login(world.users[role])
    return client


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def fresh(scan):
    with scopes_disabled():
        return Scan.objects.get(pk=scan.pk)


def test_director_creates_fills_uploads_and_submits_a_scan(client, world):
    login(client, world, Role.SCHOOL_DIRECTOR)
    response = client.post(
        url(world, "scan_create"), {"school": world.school.pk, "school_year": "2023-2024"}
    )
    assert response.status_code == 302
    with scopes_disabled():
        scan = Scan.objects.get(school=world.school, school_year="2023-2024")
    assert scan.status == Scan.Status.DRAFT

    response = client.post(
        url(world, "scan_update", scan_id=scan.pk),
        {
            "sport-severity": "moderate",
            "sport-share": "35",
            "sport-note": "Motoriek blijft achter",
            "taal-severity": "severe",
            "taal-share": "28",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        assert {(n.theme, n.severity) for n in scan.needs.all()} == {
            ("sport", "moderate"),
            ("taal", "severe"),
        }

    response = client.post(
        url(world, "document_upload", scan_id=scan.pk),
        {"file": SimpleUploadedFile("Scan De Vlonder.pdf", PDF)},
    )
    assert response.status_code == 302
    response = client.post(url(world, "scan_submit", scan_id=scan.pk), follow=True)
    assert "De scan is ingediend bij de gemeente." in messages_of(response)
    scan = fresh(scan)
    assert (
        scan.status == Scan.Status.SUBMITTED
        and scan.submitted_by == world.users[Role.SCHOOL_DIRECTOR]
    )
    actions = set(
        AuditEvent.objects.filter(object_id=str(scan.pk)).values_list("action", flat=True)
    )
    assert {"scan.create", "scan.needs_update", "scan.document_upload", "scan.submit"} <= actions

    # Once submitted, the school can no longer change it.
    response = client.post(url(world, "scan_update", scan_id=scan.pk), {"sport-severity": "none"})
    assert response.status_code == 302
    with scopes_disabled():
        assert scan.needs.get(theme="sport").severity == "moderate"


def test_an_empty_scan_cannot_be_submitted(client, world):
    scan = f.ScanFactory(school=world.school)
    response = login(client, world, Role.SCHOOL_DIRECTOR).post(
        url(world, "scan_submit", scan_id=scan.pk), follow=True
    )
    assert any("lege scan" in m for m in messages_of(response))
    assert fresh(scan).status == Scan.Status.DRAFT


def test_policy_officer_reviews_a_submitted_scan(client, world):
    scan = f.ScanFactory(school=world.school, submitted=True)
    login(client, world, Role.POLICY_OFFICER)
    response = client.get(url(world, "scan_detail", scan_id=scan.pk))
    assert response.status_code == 200 and response.context["review_form"] is not None
    client.post(
        url(world, "scan_review", scan_id=scan.pk), {"decision": "review", "comment": "Helder."}
    )
    scan = fresh(scan)
    assert (
        scan.status == Scan.Status.REVIEWED and scan.reviewed_by == world.users[Role.POLICY_OFFICER]
    )
    assert AuditEvent.objects.filter(action="scan.review", object_id=str(scan.pk)).exists()


def test_returning_a_scan_needs_a_comment_and_keeps_it(client, world):
    scan = f.ScanFactory(school=world.school, submitted=True)
    f.NeedFactory(scan=scan)
    login(client, world, Role.POLICY_OFFICER)
    response = client.post(
        url(world, "scan_review", scan_id=scan.pk),
        {"decision": "return", "comment": " "},
        follow=True,
    )
    assert any("Schrijf bij het terugsturen" in m for m in messages_of(response))
    assert fresh(scan).status == Scan.Status.SUBMITTED

    client.post(
        url(world, "scan_review", scan_id=scan.pk),
        {"decision": "return", "comment": "Graag zorg toelichten."},
    )
    assert fresh(scan).status == Scan.Status.DRAFT
    assert AuditEvent.objects.get(action="scan.return").reason == "Graag zorg toelichten."

    # The director sees the comment, fixes and resubmits; the comment stays with the scan.
    login(client, world, Role.SCHOOL_DIRECTOR)
    page = client.get(url(world, "scan_detail", scan_id=scan.pk)).content.decode()
    assert "Graag zorg toelichten." in page
    client.post(url(world, "scan_submit", scan_id=scan.pk))
    assert fresh(scan).status == Scan.Status.SUBMITTED
    with scopes_disabled():
        assert ScanComment.objects.get(scan=scan).text == "Graag zorg toelichten."


def test_municipality_does_not_see_draft_scans(client, world):
    scan = f.ScanFactory(school=world.school)
    login(client, world, Role.POLICY_OFFICER)
    assert client.get(url(world, "scan_detail", scan_id=scan.pk)).status_code == 404
    assert scan.pk not in [s.pk for s in client.get(url(world, "scan_list")).context["scans"]]
    # ... nor can it review one.
    assert (
        client.post(url(world, "scan_review", scan_id=scan.pk), {"decision": "review"}).status_code
        == 404
    )


def test_director_of_another_school_gets_404_on_scan_and_document(client, world):
    scan = f.ScanFactory(school=world.school, submitted=True)
    document = f.ScanDocumentFactory(scan=scan)
    other_director = f.UserFactory(email="directeur@kompas.example")
    f.MembershipFactory(
        user=other_director, role=Role.SCHOOL_DIRECTOR, municipality=None, school=world.other_school
    )
    client.force_login(other_director)
    assert client.get(url(world, "scan_detail", scan_id=scan.pk)).status_code == 404
    assert (
        client.get(
            url(world, "document_download", scan_id=scan.pk, document_id=document.pk)
        ).status_code
        == 404
    )
    assert client.post(url(world, "scan_submit", scan_id=scan.pk)).status_code == 404
    assert client.get(url(world, "school_detail", school_id=world.school.pk)).status_code == 404
    assert client.get(url(world, "scan_update", scan_id=scan.pk)).status_code == 404


# --- documents ----------------------------------------------------------------


def upload(client, world, scan, content, name):
    return client.post(
        url(world, "document_upload", scan_id=scan.pk),
        {"file": SimpleUploadedFile(name, content)},
        follow=True,
    )


@pytest.mark.parametrize(
    "content, name, message",
    [
        (b"MZ\x90\x00 this is an exe", "scan.pdf", "geen PDF-, Word- (.docx) of Excel-bestand"),
        (b"", "scan.pdf", "leeg"),
        (b"PK\x03\x04 broken zip", "scan.docx", "geen PDF-, Word- (.docx) of Excel-bestand"),
        (
            None,
            "scan.zip",
            "geen PDF-, Word- (.docx) of Excel-bestand",
        ),  # a zip that is no Office file
    ],
)
def test_documents_are_checked_by_content_not_by_name(client, world, content, name, message):
    if content is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as package:
            package.writestr("readme.txt", "x")
        content = buffer.getvalue()
    scan = f.ScanFactory(school=world.school)
    response = upload(login(client, world, Role.SCHOOL_DIRECTOR), world, scan, content, name)
    assert any(message in m for m in messages_of(response)), messages_of(response)
    with scopes_disabled():
        assert not ScanDocument.objects.exists()


def test_oversized_document_is_refused(client, world):
    scan = f.ScanFactory(school=world.school)
    big = PDF + b"0" * (20 * 1024 * 1024)
    response = upload(login(client, world, Role.SCHOOL_DIRECTOR), world, scan, big, "scan.pdf")
    assert any("groter dan 20 MB" in m for m in messages_of(response))
    with scopes_disabled():
        assert not ScanDocument.objects.exists()


def test_reupload_keeps_versions_under_unguessable_names_and_downloads_with_original_name(
    client, world
):
    scan = f.ScanFactory(school=world.school)
    login(client, world, Role.SCHOOL_DIRECTOR)
    upload(
        client, world, scan, office_file("word"), "Schoolscan concept.pdf"
    )  # a DOCX, whatever its name
    upload(client, world, scan, office_file("xl"), "Schoolscan – definitief.xlsx")
    with scopes_disabled():
        first, second = ScanDocument.objects.filter(scan=scan).order_by("version")
    assert (first.version, first.kind, second.version, second.kind) == (1, "docx", 2, "xlsx")
    for document in (first, second):
        assert default_storage.exists(document.file.name)
        stored = Path(document.file.name).name
        assert "Schoolscan" not in stored and len(stored) == 32  # a random hex name
    response = client.get(url(world, "document_download", scan_id=scan.pk, document_id=second.pk))
    assert response.status_code == 200
    assert (
        response["Content-Type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith("attachment;")
    assert (
        "filename*=utf-8''Schoolscan%20%E2%80%93%20definitief.xlsx"
        in response["Content-Disposition"]
    )
    assert b"".join(response.streaming_content) == office_file("xl")


def test_policy_officer_downloads_documents_of_submitted_scans_only(client, world):
    draft = f.ScanFactory(school=world.school)
    draft_document = f.ScanDocumentFactory(scan=draft)
    submitted = f.ScanFactory(school=world.other_school, submitted=True)
    submitted_document = f.ScanDocumentFactory(scan=submitted)
    login(client, world, Role.POLICY_OFFICER)
    assert (
        client.get(
            url(world, "document_download", scan_id=draft.pk, document_id=draft_document.pk)
        ).status_code
        == 404
    )
    response = client.get(
        url(world, "document_download", scan_id=submitted.pk, document_id=submitted_document.pk)
    )
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    # The document must belong to the scan in the URL.
    assert (
        client.get(
            url(world, "document_download", scan_id=submitted.pk, document_id=draft_document.pk)
        ).status_code
        == 404
    )


def test_lea_chair_and_accountant_cannot_download_documents(client, world):
    scan = f.ScanFactory(school=world.school, submitted=True)
    document = f.ScanDocumentFactory(scan=scan)
    target = url(world, "document_download", scan_id=scan.pk, document_id=document.pk)
    assert login(client, world, Role.LEA_CHAIR).get(target).status_code == 404
    assert login(client, world, Role.ACCOUNTANT).get(target).status_code == 404
    client.force_login(world.foreign_user)
    assert client.get(target).status_code == 404


def test_director_cannot_add_interventions_to_a_submitted_scan(client, world):
    scan = f.ScanFactory(school=world.school, submitted=True)
    login(client, world, Role.SCHOOL_DIRECTOR)
    response = client.get(intervention_url(world, "intervention_create", scan_id=scan.pk))
    assert response.status_code == 302 and response["Location"] == url(
        world, "scan_detail", scan_id=scan.pk
    )


def test_director_cannot_upload_to_a_submitted_scan(client, world):
    scan = f.ScanFactory(school=world.school, submitted=True)
    response = upload(login(client, world, Role.SCHOOL_DIRECTOR), world, scan, PDF, "scan.pdf")
    assert any("al ingediend" in m for m in messages_of(response))


# --- interventions -------------------------------------------------------------


def test_chosen_intervention_is_a_school_owned_activity_with_a_funding_line(client, world):
    scan = f.ScanFactory(school=world.school)
    login(client, world, Role.SCHOOL_DIRECTOR)
    npo = FundingStream.objects.get(code="NPO-SCHOOL")
    response = client.post(
        intervention_url(world, "intervention_create", scan_id=scan.pk),
        {
            "name": "Extra sport en bewegen",
            "menukaart": "C",
            "themes": ["sport"],
            "stream": npo.pk,
            "start": "2023-08-01",
            "end": "2024-07-31",
            "planned_cost": "24000",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        activity = Activity.objects.get(owner_school=world.school)
        assert activity.municipality == world.municipality
        assert (activity.themes, activity.menukaart, activity.planned_cost) == (
            ["sport"],
            "C",
            Decimal("24000.00"),
        )
        assert [(line.stream.code, line.amount) for line in activity.funding_lines.all()] == [
            ("NPO-SCHOOL", Decimal("24000.00"))
        ]
        assert list(scan.interventions.all()) == [activity]
        assert activity.code == "SCAN-2023-1"
    assert AuditEvent.objects.filter(action="scan.intervention_save").exists()

    client.post(
        intervention_url(world, "intervention_delete", scan_id=scan.pk, intervention_id=activity.pk)
    )
    with scopes_disabled():
        assert not Activity.objects.filter(owner_school=world.school).exists()


def test_menukaart_f_only_together_with_a_to_e(client, world):
    scan = f.ScanFactory(school=world.school)
    login(client, world, Role.SCHOOL_DIRECTOR)
    data = {
        "name": "Ouderavonden",
        "menukaart": "F",
        "themes": ["ouderbetrokkenheid"],
        "stream": FundingStream.objects.get(code="NPO-SCHOOL").pk,
        "start": "2023-08-01",
        "end": "2024-07-31",
    }
    response = client.post(intervention_url(world, "intervention_create", scan_id=scan.pk), data)
    assert response.status_code == 200
    assert (
        "Menukaart F kiest u alleen samen met een interventie uit A-E." in response.content.decode()
    )


def test_intervention_with_a_stream_not_for_the_sector_is_refused(client, world):
    vo_school = f.SchoolFactory(municipality=world.municipality, code="90VO00", sector="VO")
    director = f.UserFactory(email="vo@school.example")
    f.MembershipFactory(
        user=director, role=Role.SCHOOL_DIRECTOR, municipality=None, school=vo_school
    )
    scan = f.ScanFactory(school=vo_school)
    client.force_login(director)
    data = {
        "name": "Taalklas",
        "menukaart": "B",
        "themes": ["taal"],
        "stream": FundingStream.objects.get(code="GOAB").pk,
        "start": "2023-08-01",
        "end": "2024-07-31",
    }
    response = client.post(intervention_url(world, "intervention_create", scan_id=scan.pk), data)
    assert "GOAB is niet bedoeld voor sector VO." in response.content.decode()


def test_submitting_asks_for_confirmation_and_one_school_is_preselected(client, world):
    director = world.users[Role.SCHOOL_DIRECTOR]
    client.force_login(director)
    form = client.get(url(world, "scan_create")).content.decode()
    assert f'<option value="{world.school.pk}" selected>' in form
    with scopes_disabled():
        scan = f.ScanFactory(school=world.school)
    page = client.get(url(world, "scan_detail", scan_id=scan.pk)).content.decode()
    assert '<details class="confirm">' in page and "Ja, schoolscan indienen" in page
