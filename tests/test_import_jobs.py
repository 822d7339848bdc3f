"""The portal's one browser import and job (issue 9 §4, issue 13 §1/§3): every kind runs as a
background job that always ends (done or failed) and removes its upload."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scopes_disabled

from funding.models import Expenditure
from portal.imports import framework, registry
from portal.imports import jobs as import_jobs
from portal.models import ImportJob, Role

from . import factories as f


def _url(world, name, **kwargs):
    return reverse(name, kwargs={"municipality": world.municipality.slug, **kwargs})


def test_expenditures_import_from_the_browser_runs_as_a_job(
    client, world, django_capture_on_commit_callbacks
):
    grant = f.GrantFactory(municipality=world.municipality, reference="G-1")
    client.force_login(world.users[Role.POLICY_OFFICER])
    target = _url(world, "funding:expenditures_import")
    data = (
        b"municipality;booking_id;grant;date;amount;supplier\n"
        + f"{world.municipality.code};B1;G-1;2023-03-01;1.234,56;Caf\u00e9\n".encode()
    )
    preview = client.post(target, {"file": SimpleUploadedFile("lines.csv", data)})
    assert preview.status_code == 200, preview.content.decode()[-2000:]
    with scopes_disabled():
        assert not Expenditure.objects.filter(grant=grant).exists()  # the check saves nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(target, {"token": preview.context["token"]})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Import voltooid" in page and "1 nieuw" in page
    with scopes_disabled():
        job = ImportJob.objects.get()
        assert (job.kind, job.status, job.progress) == ("expenditures", "done", 1)
        assert job.started_at and job.finished_at
        assert not default_storage.exists(job.path)
        assert Expenditure.objects.get(grant=grant).supplier == "Caf\u00e9"


def test_a_refused_upload_is_not_kept(client, world):
    client.force_login(world.users[Role.POLICY_OFFICER])
    response = client.post(
        _url(world, "funding:grants_import"),
        {"file": SimpleUploadedFile("g.csv", b"municipality,stream\nGM9999,X\n")},
    )
    assert response.status_code == 400
    _dirs, files = default_storage.listdir(import_jobs.IMPORT_UPLOADS)
    assert files == []


def test_an_upload_over_the_size_limit_is_refused_at_the_field(client, world, settings):
    settings.UPLOAD_MAX_FILE_SIZE = 100
    client.force_login(world.users[Role.POLICY_OFFICER])
    response = client.post(
        _url(world, "funding:grants_import"), {"file": SimpleUploadedFile("g.csv", b"x" * 101)}
    )
    assert response.status_code == 400 and "te groot" in response.content.decode()


@pytest.fixture
def exploding_kind():
    def run(**kwargs):
        raise RuntimeError("boom")

    registry.register("exploding", "ontploffend", run)
    yield "exploding"


def test_a_job_that_crashes_ends_failed_and_removes_its_upload(world, exploding_kind):
    path = default_storage.save(f"{import_jobs.IMPORT_UPLOADS}/x", io.BytesIO(b"a\n1\n"))
    with scopes_disabled():
        job = ImportJob.objects.create(
            municipality=world.municipality, kind=exploding_kind, path=path, filename="x.csv"
        )
        job = import_jobs.import_job_run(job_id=job.pk)
    assert job.status == ImportJob.Status.FAILED
    assert "fout in het portaal" in job.errors[0]
    assert not default_storage.exists(path)


def test_progress_is_reported_while_a_large_file_is_read(world, monkeypatch):
    monkeypatch.setattr(framework, "PROGRESS_EVERY", 10)
    seen = []
    data = b"school,school_year,theme,severity\n" + b"91KA00,2023-2024,taal,severe\n" * 35
    with scopes_disabled():
        registry.get("needs").run(
            actor=None,
            municipality=world.municipality,
            source=io.BytesIO(data),
            filename="n.csv",
            dry_run=True,
            progress=seen.append,
        )
    assert seen == [10, 20, 30]


def test_a_request_over_the_size_limit_is_refused_before_it_is_read(client, world, settings):
    settings.UPLOAD_MAX_REQUEST_SIZE = 1000
    client.force_login(world.users[Role.POLICY_OFFICER])
    response = client.post(
        _url(world, "funding:grants_import"), {"file": SimpleUploadedFile("g.csv", b"x" * 2000)}
    )
    assert response.status_code == 413 and "te groot" in response.content.decode()


def test_a_large_upload_is_checked_by_a_job_then_confirmed_on_its_page(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_INLINE_CHECK_MAX_SIZE = 10  # every upload here counts as large
    f.GrantFactory(municipality=world.municipality, reference="G-1")
    client.force_login(world.users[Role.POLICY_OFFICER])
    data = (
        b"municipality;booking_id;grant;date;amount;supplier\n"
        + f"{world.municipality.code};B1;G-1;2023-03-01;1.234,56;Leverancier\n".encode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url(world, "funding:expenditures_import"),
            {"file": SimpleUploadedFile("lines.csv", data)},
        )
    assert response.status_code == 302  # no preview in the request: the job checks
    job_page = response["Location"]
    fragment = client.get(job_page, {"fragment": "1"}).content.decode()
    assert "Controle: geen fouten" in fragment and "data-poll-done" in fragment
    assert "Leverancier" in fragment  # the preview
    with scopes_disabled():
        job = ImportJob.objects.get()
        assert (job.status, job.check_only) == ("checked", True)
        assert default_storage.exists(job.path)  # kept for the confirm
        assert not Expenditure.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(job_page).status_code == 302
    assert "Import voltooid" in client.get(job_page).content.decode()
    with scopes_disabled():
        job.refresh_from_db()
        assert (job.status, job.check_only) == ("done", False)
        assert Expenditure.objects.get().supplier == "Leverancier"
        assert not default_storage.exists(job.path)
    # A second confirm is refused with a message, not run twice.
    response = client.post(job_page, follow=True)
    assert "wacht niet (meer) op bevestiging" in response.content.decode()


def test_a_large_upload_with_errors_fails_its_check_and_is_removed(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_INLINE_CHECK_MAX_SIZE = 10
    client.force_login(world.users[Role.POLICY_OFFICER])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url(world, "funding:grants_import"),
            {"file": SimpleUploadedFile("g.csv", b"municipality;stream\nGM9999;X\n")},
        )
    page = client.get(response["Location"]).content.decode()
    assert "ontbrekende kolommen" in page
    with scopes_disabled():
        job = ImportJob.objects.get()
        assert job.status == "failed" and not default_storage.exists(job.path)
