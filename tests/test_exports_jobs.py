"""Large XLSX exports are built by a background job (issue 14 §4): above
PORTAL_EXPORT_XLSX_JOB_ROWS rows the list answers with a progress page instead of a file, the
job writes the same rows with openpyxl's write-only mode, and only the user who asked, in that
municipality and still holding the list's permission, may download the file."""

import io
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from portal import exports
from portal import jobs as jobs_module
from portal.models import ExportJob, Job, Role

from . import factories as f

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _jobs_start_on_commit(monkeypatch):
    """The test's transaction never commits: run the job's enqueue at once, as a committed
    request would (the task itself runs in-process on SQLite, conftest)."""
    monkeypatch.setattr(
        jobs_module.transaction, "on_commit", lambda fn, using=None, robust=False: fn()
    )


@pytest.fixture
def lines(world):
    """Seven lines of our municipality (1..7 March 2023, 1..7 euro) and two of the other one."""
    with scopes_disabled():
        grant = f.GrantFactory(municipality=world.municipality)
        ours = [
            f.ExpenditureFactory(
                grant=grant, booking_id=f"MG-{i}", amount=Decimal(i), date=date(2023, 3, i)
            )
            for i in range(1, 8)
        ]
        foreign = f.GrantFactory(municipality=world.other_municipality)
        for i in range(2):
            f.ExpenditureFactory(grant=foreign, booking_id=f"ED-{i}")
    return ours


def _list_url(**query):
    url = reverse("funding:expenditure_list", kwargs={"municipality": "midden-groningen"})
    return url + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def _job_url(name, job, municipality="midden-groningen"):
    return reverse(name, kwargs={"municipality": municipality, "export_job_id": job.pk})


def _book(payload):
    sheet = openpyxl.load_workbook(io.BytesIO(payload)).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def test_below_the_threshold_the_xlsx_downloads_at_once(world, client, lines):
    client.force_login(world.users[Role.POLICY_OFFICER])
    response = client.get(_list_url(export="xlsx"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    rows = _book(response.content)
    assert sorted(r[0] for r in rows[1:]) == [f"MG-{i}" for i in range(1, 8)]
    with scopes_disabled():
        assert not ExportJob.objects.exists()


def test_above_the_threshold_a_job_builds_the_file_and_only_its_user_downloads_it(
    world, client, lines, settings, django_assert_max_num_queries
):
    settings.PORTAL_EXPORT_XLSX_JOB_ROWS = 5
    officer = world.users[Role.POLICY_OFFICER]
    client.force_login(officer)
    # Filtered: the job must export what the list shows (from 2 March: six of our seven).
    response = client.get(_list_url(export="xlsx", date_from="2023-03-02"))
    with scopes_disabled():
        job = ExportJob.objects.get()
        outbox = Job.objects.get(task="portal.tasks.export_job_run")
    assert response.status_code == 302 and response["Location"] == _job_url(
        "portal:export_job", job
    )
    assert job.created_by == officer and job.municipality == world.municipality
    assert job.status == "done" and job.rows == 6 and job.progress == 6, job.error
    assert outbox.status == "done" and outbox.municipality == world.municipality

    with django_assert_max_num_queries(8):  # session, user, memberships, job: fixed
        page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200 and "klaar" in text and "data-poll-done" in text
    download = _job_url("portal:export_job_download", job)
    assert download in text
    response = client.get(download)
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert 'filename="bestedingen.xlsx"' in response["Content-Disposition"]
    rows = _book(b"".join(response.streaming_content))
    assert rows[0][0] == "boekingsnummer"
    assert sorted(r[0] for r in rows[1:]) == [f"MG-{i}" for i in range(2, 8)]
    assert sum(Decimal(str(r[4])) for r in rows[1:]) == Decimal("27")  # 2 + ... + 7

    # Another municipality's user: 404 under our slug (middleware) and under their own.
    client.force_login(world.foreign_user)
    assert client.get(download).status_code == 404
    assert client.get(response_url := _job_url("portal:export_job", job)).status_code == 404
    assert client.get(_job_url("portal:export_job_download", job, "eemsdelta")).status_code == 404
    # Another user of our municipality, even one who may read the list: not theirs, 404.
    client.force_login(world.users[Role.ACCOUNTANT])
    assert client.get(download).status_code == 404 and client.get(response_url).status_code == 404


def test_the_page_shows_the_waiting_job_and_a_user_who_lost_the_role_gets_no_file(
    world, client, lines, settings
):
    settings.PORTAL_EXPORT_XLSX_JOB_ROWS = 5
    officer = world.users[Role.POLICY_OFFICER]
    client.force_login(officer)
    with mock.patch.object(jobs_module, "job_send"):  # no worker yet
        response = client.get(_list_url(export="xlsx"))
    with scopes_disabled():
        job = ExportJob.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "wacht op verwerking" in page and "data-poll-url" in page
    assert "data-poll-done" not in page and "0 van 7 regels" in page
    assert client.get(_job_url("portal:export_job_download", job)).status_code == 404
    # The role is gone before the job runs: the job fails with a reason, writes no file.
    with scopes_disabled():
        officer.memberships.all().delete()
        with scope(municipality=world.municipality):
            exports.export_job_run(job_id=job.pk)
        job.refresh_from_db()
    assert job.status == "failed" and "toegang" in job.error and not job.file


def test_a_director_asks_and_gets_404_from_the_expenditure_list_before_any_job(
    world, client, lines, settings
):
    settings.PORTAL_EXPORT_XLSX_JOB_ROWS = 1
    client.force_login(world.users[Role.SCHOOL_DIRECTOR])
    assert client.get(_list_url(export="xlsx")).status_code == 404
    with scopes_disabled():
        assert not ExportJob.objects.exists()


def test_old_export_files_are_removed(world, client, lines, settings):
    settings.PORTAL_EXPORT_XLSX_JOB_ROWS = 5
    client.force_login(world.users[Role.POLICY_OFFICER])
    client.get(_list_url(export="xlsx"))
    with scopes_disabled():
        job = ExportJob.objects.get()
        storage, name = job.file.storage, job.file.name
        assert storage.exists(name)
        assert exports.export_jobs_cleanup(older_than=timezone.now() - timedelta(hours=1)) == 0
        # A job that never finished (its work lost for good) goes too, once it is as old.
        lost = ExportJob.objects.create(
            municipality=world.municipality,
            created_by=world.users[Role.POLICY_OFFICER],
            path="/midden-groningen/financien/bestedingen/",
            name="bestedingen",
        )
        assert exports.export_jobs_cleanup(older_than=timezone.now() - timedelta(hours=1)) == 0
        assert exports.export_jobs_cleanup(older_than=timezone.now() + timedelta(hours=1)) == 2
        assert not ExportJob.objects.filter(pk__in=[job.pk, lost.pk]).exists()
        assert not storage.exists(name)


def _peak(rows):
    """Peak Python memory (bytes) of the job's write of ``rows`` generated lazily."""
    job = mock.Mock(sheet_title="t", name="x", file=mock.Mock(), pk=1, progress=0)
    job.file.__bool__ = lambda self: False
    generated = (
        [i, Decimal("1.50"), f"omschrijving {i}", timezone.localdate()] for i in range(rows)
    )
    tracemalloc.start()
    with mock.patch.object(exports.ExportJob.objects, "filter"):
        exports._export_job_write(job, generated, ["nr", "bedrag", "tekst", "datum"], "t")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_the_job_writes_with_flat_memory():
    small, large = _peak(5_000), _peak(50_000)
    print(f"peak memory: 5,000 rows {small / 1e6:.1f} MB, 50,000 rows {large / 1e6:.1f} MB")
    assert large < small * 1.5 + 2_000_000  # ten times the rows, not ten times the memory


def test_a_large_action_list_export_is_a_job_too(world, client, settings):
    """The meetings' action list goes through the same export helper: above the limit its
    XLSX is built by a job, with the list's filters, for the chair who asked."""
    settings.PORTAL_EXPORT_XLSX_JOB_ROWS = 2
    with scope(municipality=world.municipality):
        meeting = f.MeetingFactory(municipality=world.municipality)
        for i in range(3):
            f.ActionItemFactory(meeting=meeting, description=f"Actie {i}")
    chair = world.users[Role.LEA_CHAIR]
    client.force_login(chair)
    url = reverse("meetings:action_export", kwargs={"municipality": "midden-groningen"})
    response = client.get(url + "?format=xlsx")
    with scopes_disabled():
        job = ExportJob.objects.get()
    assert response.status_code == 302 and job.created_by == chair
    assert job.status == "done" and job.rows == 3, job.error
    download = client.get(_job_url("portal:export_job_download", job))
    rows = _book(b"".join(download.streaming_content))
    assert sorted(r for row in rows[1:] for r in row if str(r).startswith("Actie ")) == [
        "Actie 0",
        "Actie 1",
        "Actie 2",
    ]
    assert client.get(url + "?format=csv").status_code == 200  # CSV still streams at once
