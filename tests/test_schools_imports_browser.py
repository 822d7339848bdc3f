"""The schools app's imports in the browser: upload -> preview -> confirm, errors, the import
job and the clean-up of unconfirmed uploads."""

import io
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django_scopes import scopes_disabled

from portal import tasks as portal_tasks
from portal.imports import jobs as import_jobs
from portal.models import AuditEvent, ImportJob, Role
from schools.models import Need, School, SchoolWeight

from .school_imports import upload

pytestmark = pytest.mark.django_db


def test_browser_import_previews_then_saves_on_confirm(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.users[Role.POLICY_OFFICER])
    url = reverse("schools:school_import", kwargs={"municipality": world.municipality.slug})
    data = (
        b"INSTELLINGSCODE;VESTIGINGSCODE;VESTIGINGSNAAM;GEMEENTENUMMER;SOORT_PO;AANTAL_LEERLINGEN\n"
        b"97RG;97RG00;SBO De Brug;1952;Sbo;84\n"
    )
    response = upload(client, url, data)
    assert response.status_code == 200
    assert b"SBO De Brug" in response.content
    token = response.context["token"]
    with scopes_disabled():
        assert not School.objects.filter(code="97RG00").exists()  # preview saves nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"token": token})
    assert response.status_code == 302
    # The confirmed import ran as a background job (in-process here); its page shows the result.
    page = client.get(response["Location"]).content.decode()
    assert "Import voltooid" in page and "1 nieuw" in page
    fragment = client.get(response["Location"], {"fragment": "1"}).content.decode()
    assert fragment.startswith('<div class="import-job"') and "data-poll-done" in fragment
    with scopes_disabled():
        assert School.objects.get(code="97RG00").sector == "SBO"
        assert not default_storage.exists(ImportJob.objects.get().path)  # the upload is gone
    assert AuditEvent.objects.filter(
        action="schools.import", municipality=world.municipality
    ).exists()
    # A token works once.
    response = client.post(url, {"token": token}, follow=True)
    assert "verlopen" in response.content.decode()


def test_browser_import_shows_every_error_and_offers_no_confirm(client, world):
    client.force_login(world.users[Role.POLICY_OFFICER])
    url = reverse("schools:needs_import", kwargs={"municipality": world.municipality.slug})
    response = upload(
        client,
        url,
        b"school,school_year,theme,severity\n91KA00,2023-2024,taal,erg\n95PE00,2023-2024,taal,severe\n",
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "regel 2: severity:" in page
        and "regel 3: school: 95PE00 hoort niet bij gemeente Midden-Groningen" in page
    )
    assert "token" not in response.context or not response.context.get("token")


def test_browser_import_refuses_a_pdf_renamed_to_csv(client, world):
    client.force_login(world.users[Role.POLICY_OFFICER])
    url = reverse("schools:needs_import", kwargs={"municipality": world.municipality.slug})
    response = upload(client, url, b"%PDF-1.4 not a table", name="needs.csv")
    assert response.status_code == 400
    assert "geen CSV- of Excel-bestand" in response.content.decode()


def test_browser_weight_import_for_a_chosen_school_year(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.users[Role.POLICY_OFFICER])
    target = reverse("schools:weight_import", kwargs={"municipality": world.municipality.slug})
    response = upload(
        client,
        target,
        b"OVT;schoolweging;aantal_leerlingen\n91KA00;33,4;212\n95PE00;30,1;90\n",
        school_year="2023-2024",
    )
    # The other municipality's school is skipped and counted, not refused.
    assert response.status_code == 200
    assert "1 regel van scholen van andere gemeenten overgeslagen" in response.content.decode()
    response = upload(
        client,
        target,
        b"OVT;schoolweging;aantal_leerlingen\n91KA00;33,4;212\n",
        school_year="2023-2024",
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(target, {"token": response.context["token"]})
    with scopes_disabled():
        weight = SchoolWeight.objects.get()
    assert (weight.school_year, weight.weight, weight.pupil_count) == (
        "2023-2024",
        Decimal("33.40"),
        212,
    )


def test_an_import_job_that_finds_errors_at_run_time_saves_nothing(world):
    """Between preview and confirm the data may change; the job validates again and reports."""
    path = default_storage.save(
        "imports/test",
        io.BytesIO(b"school,school_year,theme,severity\n91KA00,2023-2024,taal,severe\n"),
    )
    with scopes_disabled():
        world.school.delete()
        job = ImportJob.objects.create(
            municipality=world.municipality, kind="needs", path=path, filename="n.csv"
        )
        job = import_jobs.import_job_run(job_id=job.pk)
        assert job.status == ImportJob.Status.FAILED
        assert job.errors == ["regel 2: school: onbekende school 91KA00"]
        assert not Need.objects.exists()
        # Running it again (a redelivered message) leaves the finished job alone.
        assert import_jobs.import_job_run(job_id=job.pk).finished_at == job.finished_at


def test_unconfirmed_uploads_are_cleaned_up_but_queued_ones_stay(world):
    import datetime as dt

    from django.utils import timezone

    old = default_storage.save(f"{import_jobs.IMPORT_UPLOADS}/old", io.BytesIO(b"x"))
    queued = default_storage.save(f"{import_jobs.IMPORT_UPLOADS}/queued", io.BytesIO(b"x"))
    with scopes_disabled():
        ImportJob.objects.create(
            municipality=world.municipality, kind="needs", path=queued, filename="q.csv"
        )
    assert (
        portal_tasks.import_uploads_cleanup.delay(max_age_hours=24).get() == 0
    )  # nothing is old yet
    with scopes_disabled():
        later = timezone.now() + dt.timedelta(days=2)
        assert import_jobs.import_uploads_cleanup(older_than=later) == 1
    assert not default_storage.exists(old) and default_storage.exists(queued)
