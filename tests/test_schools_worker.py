"""A confirmed browser import runs on a real Celery worker (Redis + PostgreSQL), and a worker
killed mid-job does not lose it: the job is redelivered and completes (acks late)."""

import time

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scopes_disabled

from portal.models import ImportJob, Role
from schools.models import School


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def job_status(pk):
    with scopes_disabled():
        return ImportJob.objects.get(pk=pk).status


def duo_file(rows):
    """``rows`` new locations, none of them one of the world's schools."""
    lines = ["INSTELLINGSCODE;VESTIGINGSCODE;VESTIGINGSNAAM;GEMEENTENUMMER;SOORT_PO"]
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    for n in range(rows):
        brin = f"{n % 90:02d}{letters[(n // 90) % 23]}{letters[n // 2070]}"
        lines.append(f"{brin};{brin}00;School {n};1952;Bo")
    return "\n".join(lines).encode()


def confirm(client, world, data):
    client.force_login(world.users[Role.POLICY_OFFICER])
    url = reverse("schools:school_import", kwargs={"municipality": world.municipality.slug})
    preview = client.post(url, {"file": SimpleUploadedFile("duo.csv", data)})
    assert preview.status_code == 200, preview.content
    response = client.post(url, {"token": preview.context["token"]})
    assert response.status_code == 302
    return int(response["Location"].rstrip("/").rsplit("/", 1)[-1]), response["Location"]


def test_confirmed_import_runs_on_the_worker(celery_worker, client, world):
    job_id, location = confirm(client, world, duo_file(50))
    assert wait_for(lambda: job_status(job_id) == ImportJob.Status.DONE), job_status(job_id)
    with scopes_disabled():
        assert School.objects.filter(municipality=world.municipality).count() == 50 + 2
    assert "Import voltooid" in client.get(location, {"fragment": "1"}).content.decode()


def test_import_survives_a_worker_killed_mid_job(celery_worker, client, world):
    job_id, _location = confirm(client, world, duo_file(20_000))
    assert wait_for(lambda: job_status(job_id) == ImportJob.Status.RUNNING, timeout=30)
    celery_worker.kill()
    assert job_status(job_id) == ImportJob.Status.RUNNING
    with scopes_disabled():
        assert School.objects.count() == 3  # all-or-nothing: the killed run left nothing
    celery_worker.start()
    # Redelivered after the visibility timeout (15 s in tests), then run again to the end.
    assert wait_for(lambda: job_status(job_id) == ImportJob.Status.DONE, timeout=120), job_status(
        job_id
    )
    with scopes_disabled():
        assert School.objects.filter(municipality=world.municipality).count() == 20_000 + 2
