"""Building, storing and serving spending reports: the PDF (text read with pypdf) and XLSX hold the same
figures, versions follow the data, jobs never stay stuck, only accountant and policy officer
of the municipality may request or download."""

import io
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import openpyxl
import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from funding.models import Expenditure, SpendingReport
from funding.reports import jobs as services
from portal import jobs as jobs_module
from portal.formatting import format_money
from portal.jobs import jobs_sweep
from portal.models import AuditEvent, Job, Role

from . import factories as f
from .pdf_text import pdf_text
from .reports_data import make_report_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _jobs_start_on_commit(monkeypatch):
    """The test's transaction never commits: run on-commit callbacks (the job's enqueue) at once,
    as a committed request would; the tasks themselves run in-process (conftest)."""
    monkeypatch.setattr(
        services.transaction, "on_commit", lambda fn, using=None, robust=False: fn()
    )


def request_report(world, stream, year=2023, role=Role.ACCOUNTANT):
    with scope(municipality=world.municipality):
        return services.report_request(
            municipality=world.municipality, stream=stream, year=year, user=world.users[role]
        )


def stored(report, kind):
    with scopes_disabled():
        return services.report_file(SpendingReport.objects.get(pk=report.pk), kind)[0]


def test_pdf_shows_summary_findings_and_annex_with_equal_totals(world):
    d = make_report_world(world)
    report, created = request_report(world, d["stream"])  # tasks run in-process in tests
    report.refresh_from_db()
    assert created and report.status == "done", report.error
    payload = stored(report, "pdf")
    text = pdf_text(payload)
    words = " ".join(pdf_text(payload, layout=False).split())  # wrapped cells joined again
    spending = format_money(Decimal("3334.56")).replace("\u00a0", " ")
    assert (
        "Samenvatting" in text
        and "Bevindingen" in text
        and "Bijlage: alle bestedingsregels" in text
    )
    assert (
        "Dubbele boeking B-2023-1" in words
        and "Bewust dubbel: twee groepen." in words
        and "verantwoord" in words
    )
    for booking in ("B-2023-1", "B-2023-2", "B-2023-3", "B-2023-4"):
        assert booking in text
    assert "B-2024-1" not in text and "G-2023-1" not in text
    summary_line = next(ln for ln in text.splitlines() if "Besteding in 2023" in ln)
    total_line = next(ln for ln in text.splitlines() if "Eindtotaal bijlage" in ln)
    assert spending in summary_line and spending in total_line  # € 3.334,56 both
    assert (
        "Subtotaal januari 2023" in text
        and format_money(Decimal("1334.55")).replace("\u00a0", " ") in text
    )
    assert report.data_sha256 in text
    pages = text.count("\f")
    assert f"pagina 1 van {pages}" in text and f"pagina {pages} van {pages}" in text


def test_xlsx_holds_the_same_figures_and_every_line(world):
    d = make_report_world(world)
    report, _ = request_report(world, d["stream"])
    book = openpyxl.load_workbook(io.BytesIO(stored(report, "xlsx")))
    summary = {
        row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True) if row and row[0]
    }
    assert Decimal(str(summary["Besteding in de periode"])) == Decimal("3334.56")
    assert Decimal(str(summary["Cumulatief besteed"])) == Decimal("4834.56")
    lines = list(book.worksheets[1].iter_rows(values_only=True))
    body = lines[1:-1]
    assert [r[1] for r in body] == ["B-2023-1", "B-2023-2", "B-2023-3", "B-2023-4"]
    assert all(isinstance(r[9], (int, float)) for r in body)  # numbers as numbers
    assert (
        Decimal(str(sum(Decimal(str(r[9])) for r in body)))
        == Decimal(str(lines[-1][9]))
        == Decimal("3334.56")
    )


def test_same_data_returns_the_existing_version_and_a_changed_line_makes_version_2(world, client):
    d = make_report_world(world)
    first, created = request_report(world, d["stream"])
    first.refresh_from_db()
    assert created and first.version == 1 and first.status == "done"
    # The request hashes nothing; its job finds version 1's data and builds nothing.
    with mock.patch.object(services, "render_report_pdf") as render:
        again, created_again = request_report(world, d["stream"], role=Role.POLICY_OFFICER)
    again.refresh_from_db()
    assert not render.called
    assert again.pk != first.pk and again.status == "done" and again.same_as_id == first.pk
    assert again.version is None and again.data_sha256 == first.data_sha256
    assert again.spending == first.spending and again.line_count == first.line_count
    assert "versie 1" in again.stage
    # It serves version 1's files, byte for byte, and says so.
    assert stored(again, "pdf") == stored(first, "pdf")
    client.force_login(world.users[Role.POLICY_OFFICER])
    status = client.get(
        reverse(
            "funding:report_status",
            kwargs={"municipality": "midden-groningen", "report_id": again.pk},
        )
    ).content.decode()
    assert "Ongewijzigd: zelfde gegevens als versie 1" in status and first.pdf_sha256 in status
    with scopes_disabled():
        Expenditure.objects.filter(booking_id="B-2023-2").update(amount=Decimal("100.00"))
    second, created = request_report(world, d["stream"])
    second.refresh_from_db()
    assert created and second.version == 2 and second.status == "done" and not second.same_as_id
    assert second.data_sha256 != first.data_sha256 and second.pdf_sha256 != first.pdf_sha256
    # The old version stays downloadable, unchanged.
    assert services._sha256(stored(first, "pdf")) == first.pdf_sha256


def test_the_request_reads_no_lines_and_a_second_request_joins_the_queued_build(world):
    d = make_report_world(world)
    with (
        mock.patch.object(jobs_module, "job_send") as send,
        mock.patch.object(services, "collect_report_data") as collect,
        mock.patch.object(services, "data_sha256") as hash_,
    ):
        report, created = request_report(world, d["stream"])
        again, created_again = request_report(world, d["stream"], role=Role.POLICY_OFFICER)
    assert not collect.called and not hash_.called  # the hash is the job's work
    assert created and report.status == "queued" and report.version is None
    assert report.data_sha256 == ""
    assert not created_again and again.pk == report.pk
    with scopes_disabled():
        assert Job.objects.filter(task="funding.build_spending_report").count() == 1
        assert send.call_count == 1
        event = AuditEvent.objects.get(action="report.request")
    assert event.actor == world.users[Role.ACCOUNTANT] and event.object_id == str(report.pk)


def test_two_pending_builds_of_one_period_cannot_exist(world):
    """The database itself refuses a second queued build of a period, so two requests at the
    same moment (each past the other's read) still make one job: the loser reads the winner's."""
    d = make_report_world(world)
    with mock.patch.object(jobs_module, "job_send"):
        report, _ = request_report(world, d["stream"])
    with scopes_disabled(), pytest.raises(IntegrityError), transaction.atomic():
        SpendingReport.objects.create(
            municipality=world.municipality, stream=d["stream"], year=2023
        )
    # A request that lost the race (its read saw nothing) gets the winner's row.
    real_filter = SpendingReport.objects.filter
    calls = []

    def blind_first_read(*args, **kwargs):
        qs = real_filter(*args, **kwargs)
        if "status__in" in kwargs and not calls:
            calls.append(1)
            return qs.none()
        return qs

    with (
        mock.patch.object(jobs_module, "job_send"),
        mock.patch.object(SpendingReport.objects, "filter", side_effect=blind_first_read),
    ):
        again, created = request_report(world, d["stream"])
    assert calls and not created and again.pk == report.pk


def test_a_failed_build_shows_its_reason_and_the_retry_builds_it(world, client):
    d = make_report_world(world)
    with mock.patch.object(
        services, "render_report_pdf", side_effect=RuntimeError("geen lettertype")
    ):
        report, _ = request_report(world, d["stream"])
    report.refresh_from_db()
    assert report.status == "failed" and "geen lettertype" in report.error
    client.force_login(world.users[Role.ACCOUNTANT])
    url = reverse(
        "funding:report_status", kwargs={"municipality": "midden-groningen", "report_id": report.pk}
    )
    page = client.get(url).content.decode()
    assert "geen lettertype" in page and "Opnieuw proberen" in page and "data-poll-done" in page
    retry = reverse(
        "funding:report_retry", kwargs={"municipality": "midden-groningen", "report_id": report.pk}
    )
    assert client.post(retry).status_code == 302
    report.refresh_from_db()
    assert report.status == "done" and report.error == ""


def test_a_redelivered_job_of_a_finished_report_does_nothing(world):
    from funding.reports.tasks import build_spending_report

    d = make_report_world(world)
    report, _ = request_report(world, d["stream"])
    report.refresh_from_db()
    with mock.patch.object(services, "render_report_pdf") as render:
        assert build_spending_report(report.pk, municipality_id=report.municipality_id) == "done"
    assert not render.called
    with scopes_disabled():
        assert SpendingReport.objects.get(pk=report.pk).finished_at == report.finished_at


def test_a_job_left_running_by_a_dead_worker_is_built_again_then_failed_after_max_attempts(world):
    d = make_report_world(world)
    with mock.patch.object(jobs_module, "job_send"):  # nobody picks it up: as if the worker died
        report, _ = request_report(world, d["stream"])
    long_ago = timezone.now() - timedelta(minutes=5)
    with scopes_disabled():
        job = Job.objects.get(task="funding.build_spending_report")
        # What a SIGKILLed worker leaves: the job running without a heartbeat, the report running.
        Job.objects.filter(pk=job.pk).update(status="running", heartbeat_at=long_ago, attempts=1)
        SpendingReport.objects.filter(pk=report.pk).update(status="running", attempts=1)
        assert jobs_sweep() == {
            "requeued": 1,
            "failed": 0,
            "sent": 1,
            "removed": 0,
        }  # in-process: built now
        report.refresh_from_db()
        job.refresh_from_db()
        assert report.status == "done" and report.attempts == 2
        assert job.status == "done" and job.attempts == 2
        assert jobs_sweep() == {
            "requeued": 0,
            "failed": 0,
            "sent": 0,
            "removed": 0,
        }  # nothing built twice
        # A report whose builds keep dying fails with a reason instead of looping.
        Job.objects.filter(pk=job.pk).update(status="running", heartbeat_at=long_ago)
        SpendingReport.objects.filter(pk=report.pk).update(
            status="running", attempts=services.MAX_ATTEMPTS
        )
        jobs_sweep()
        report.refresh_from_db()
    assert report.status == "failed" and "afgebroken" in report.error


def test_request_page_starts_the_job_and_the_page_polls_then_offers_downloads(world, client):
    d = make_report_world(world)
    client.force_login(world.users[Role.POLICY_OFFICER])
    url = reverse("funding:report_list", kwargs={"municipality": "midden-groningen"})
    response = client.post(url, {"stream": "NPO-GEM", "year": "2023"})
    with scopes_disabled():
        report = SpendingReport.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(
        f"/rapportages/{report.pk}/"
    )
    page = client.get(response["Location"]).content.decode()
    assert "data-poll-url" in page and "Download PDF" in page and 'aria-live="polite"' in page
    pdf = client.get(
        reverse(
            "funding:report_download_pdf",
            kwargs={"municipality": "midden-groningen", "report_id": report.pk},
        )
    )
    assert (
        pdf.status_code == 200
        and pdf["Content-Type"] == "application/pdf"
        and pdf.content.startswith(b"%PDF")
    )
    assert (
        "attachment" in pdf["Content-Disposition"] and pdf["Cache-Control"] == "private, no-store"
    )
    assert (
        client.get(
            reverse("funding:report_list", kwargs={"municipality": "midden-groningen"})
        ).status_code
        == 200
    )
    del d


@pytest.mark.parametrize(
    "role", [Role.SCHOOL_DIRECTOR, Role.LEA_CHAIR, Role.REGIONAL_COORDINATOR, "foreign"]
)
def test_others_can_neither_request_nor_download(world, client, role):
    d = make_report_world(world)
    report, _ = request_report(world, d["stream"])
    client.force_login(world.foreign_user if role == "foreign" else world.users[role])
    kwargs = {"municipality": "midden-groningen"}
    assert (
        client.post(
            reverse("funding:report_list", kwargs=kwargs), {"stream": "NPO-GEM", "year": "2024"}
        ).status_code
        == 404
    )
    for name in ("report_download_pdf", "report_download_xlsx", "report_detail"):
        assert (
            client.get(
                reverse(f"funding:{name}", kwargs={**kwargs, "report_id": report.pk})
            ).status_code
            == 404
        )
    with scopes_disabled():
        assert SpendingReport.objects.count() == 1


def test_another_municipalitys_report_is_not_found_for_our_accountant(world, client):
    foreign = f.SpendingReportFactory(municipality=world.other_municipality, done=True)
    client.force_login(world.users[Role.ACCOUNTANT])
    url = reverse(
        "funding:report_download_pdf",
        kwargs={"municipality": "midden-groningen", "report_id": foreign.pk},
    )
    assert client.get(url).status_code == 404


def test_an_altered_stored_file_is_refused(world):
    report = f.SpendingReportFactory(municipality=world.municipality, done=True)
    with scopes_disabled():
        with report.pdf.open("wb") as fh:
            fh.write(b"%PDF tampered")
        with pytest.raises(services.ApplicationError):
            services.report_file(report, "pdf")


@pytest.mark.parametrize("lines", [3, 30])
def test_report_list_query_count_does_not_grow(world, client, lines, django_assert_max_num_queries):
    first = f.SpendingReportFactory(municipality=world.municipality, version=100, done=True)
    for i in range(1, lines):
        # finished versions and unchanged requests pointing at one (no query per row)
        same_as = {"same_as": first, "version": None} if i % 2 else {"version": 100 + i}
        f.SpendingReportFactory(municipality=world.municipality, done=True, **same_as)
    client.force_login(world.users[Role.ACCOUNTANT])
    url = reverse("funding:report_list", kwargs={"municipality": "midden-groningen"})
    # session, user, memberships (+ their tenants), streams of the form, reports with stream and
    # requester, locks with stream and users, navigation: a fixed number.
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_command_line_writes_the_same_report(world, tmp_path):
    d = make_report_world(world)
    pdf, xlsx = tmp_path / "r.pdf", tmp_path / "r.xlsx"
    out = io.StringIO()
    call_command(
        "spending_report",
        "--municipality",
        "GM1952",
        "--stream",
        "NPO-GEM",
        "--year",
        "2023",
        "--output",
        str(pdf),
        "--xlsx",
        str(xlsx),
        stdout=out,
    )
    assert pdf.read_bytes().startswith(b"%PDF") and xlsx.read_bytes().startswith(b"PK")
    with scopes_disabled():
        report = SpendingReport.objects.get()
    assert services._sha256(pdf.read_bytes()) == report.pdf_sha256 and "versie 1" in out.getvalue()
    # Again with the same data: the stored version, not a new one.
    call_command(
        "spending_report",
        "--municipality",
        "GM1952",
        "--stream",
        "NPO-GEM",
        "--year",
        "2023",
        "--output",
        str(tmp_path / "again.pdf"),
        stdout=io.StringIO(),
    )
    assert (tmp_path / "again.pdf").read_bytes() == pdf.read_bytes()
    del d


def test_demo_seed_leaves_a_finished_report_for_the_npo_grant(world):
    from funding.reports import demo as report_demo
    from portal.demo import DemoContext

    make_report_world(world)
    ctx = DemoContext(municipalities={"GM1952": world.municipality}, users={})
    with scopes_disabled():
        report_demo.seed(ctx)
        report_demo.seed(ctx)  # idempotent
        reports = list(SpendingReport.objects.all())
    assert len(reports) == 1 and reports[0].status == "done" and reports[0].year is None


def test_parallel_rendering_gives_the_same_pages_as_one_process():
    from portal.pdf import render_parallel

    htmls = [f"<p>deel {i}</p>" + "<p style='break-before: page'>x</p>" * i for i in range(1, 4)]
    one = render_parallel(htmls, workers=1)
    two = render_parallel(htmls, workers=2)
    assert pdf_text(one) == pdf_text(two)
    assert "pagina 9 van 9" in pdf_text(two) and pdf_text(two).index("deel 2") < pdf_text(
        two
    ).index("deel 3")


def test_a_long_annex_rendered_in_parallel_parts_repeats_its_header_and_adds_up(world, settings):
    settings.PORTAL_PDF_WORKERS = 2
    d = make_report_world(world, extra_lines=450)
    report, _ = request_report(world, d["stream"])
    report.refresh_from_db()
    payload = stored(report, "pdf")
    pages = pdf_text(payload).split("\f")[:-1]
    annex = [p for p in pages if "MG-" in p or "X-0" in p]
    assert len(annex) > 3
    assert all("Boeking" in p and "Leverancier" in p for p in annex)  # header on every annex page
    text = "\n".join(pages)
    assert text.count("Eindtotaal bijlage") == 1 and text.count("Subtotaal januari 2023") == 1
    total = format_money(report.spending).replace("\u00a0", " ")
    assert total in next(ln for ln in text.splitlines() if "Eindtotaal bijlage" in ln)
    assert total in next(ln for ln in text.splitlines() if "Besteding in 2023" in ln)
    assert f"pagina {len(pages)} van {len(pages)}" in pages[-1]
