"""The import preview shows what people see on the pages: a choice column as its Dutch label
("matig", "taal en lezen"), never the stored code (``moderate``, ``taal``), both in the
request's preview and in the preview a checking job stores; the job's preview names the
file's own columns, not the importer's keys (``school_id``)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scopes_disabled

from funding.services.activities import ActivityImporter
from portal.models import ImportJob, Role

pytestmark = pytest.mark.django_db

NEEDS = (
    b"school;school_year;theme;severity;share_of_pupils\n"
    b"91KA00;2023-2024;taal en lezen;matig;20\n"
    b"91KA00;2023-2024;rekenen;severe;5\n"
)


def _url(world, name, **kwargs):
    return reverse(name, kwargs={"municipality": world.municipality.slug, **kwargs})


def test_needs_preview_in_the_request_shows_labels_not_codes(client, world):
    client.force_login(world.users[Role.POLICY_OFFICER])
    response = client.post(
        _url(world, "schools:needs_import"), {"file": SimpleUploadedFile("needs.csv", NEEDS)}
    )
    result = response.context["result"]
    assert result.ok, result.error_lines()
    headers, rows = result.preview_table()
    cells = [dict(zip(headers, row, strict=True)) for row in rows]
    assert [(c["theme"], c["severity"], c["share_of_pupils"]) for c in cells] == [
        ("taal en lezen", "matig", "20,00"),
        ("rekenen", "ernstig", "5,00"),
    ]
    page = response.content.decode()
    assert "<td>matig</td>" in page and "<td>ernstig</td>" in page
    assert "<td>moderate</td>" not in page and "<td>severe</td>" not in page


def test_needs_preview_of_a_checking_job_shows_labels_and_the_files_columns(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_INLINE_CHECK_MAX_SIZE = 10  # every upload here is checked by a job
    client.force_login(world.users[Role.POLICY_OFFICER])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url(world, "schools:needs_import"), {"file": SimpleUploadedFile("needs.csv", NEEDS)}
        )
    assert response.status_code == 302
    with scopes_disabled():
        job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.CHECKED
    assert job.preview == [
        {
            "_line": "2",
            "school": "91KA00",
            "school_year": "2023-2024",
            "theme": "taal en lezen",
            "severity": "matig",
            "share_of_pupils": "20,00",
        },
        {
            "_line": "3",
            "school": "91KA00",
            "school_year": "2023-2024",
            "theme": "rekenen",
            "severity": "ernstig",
            "share_of_pupils": "5,00",
        },
    ]
    fragment = client.get(response["Location"], {"fragment": "1"}).content.decode()
    assert "<td>matig</td>" in fragment and "moderate" not in fragment
    assert "school_id" not in fragment and "municipality_id" not in fragment


def test_activity_themes_preview_as_their_labels_joined():
    themes = next(c for c in ActivityImporter.columns if c.name == "themes")
    assert themes.parse.display(["taal", "rekenen"]) == "taal en lezen|rekenen"
