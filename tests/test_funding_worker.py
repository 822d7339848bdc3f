"""The checks through a real Celery worker on PostgreSQL + Redis (skipped without them)."""

import datetime as dt
import time

from django_scopes import scopes_disabled

from funding.models import CheckRun, Finding, FundingStream
from funding.services.checks import check_run_request, finding_review

from . import factories as f


def wait_for(run, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.finished:
            return run
        time.sleep(0.3)
    raise AssertionError(f"check run {run.pk} still {run.status} after {timeout}s")


def test_checks_run_on_a_real_worker_and_a_justified_finding_survives_the_rerun(celery_worker):
    with scopes_disabled():
        m = f.MunicipalityFactory(code="GM1952", slug="midden-groningen")
        grant = f.GrantFactory(
            municipality=m,
            stream=FundingStream.objects.get(code="NPO-GEM"),
            window_start=None,
            window_end=None,
        )
        f.ExpenditureFactory(
            grant=grant, booking_id="NEW", new_construction=True, date=dt.date(2023, 3, 1)
        )
        user = f.UserFactory()
        run = wait_for(check_run_request(municipality=m, actor=user))
        assert (run.status, run.progress, run.findings_count) == ("done", 100, 1)
        finding = Finding.objects.get(municipality=m, rule="F7")
        finding_review(
            finding=finding, actor=user, status="justified", reason="Tijdelijk lokaal goedgekeurd."
        )

        second = wait_for(check_run_request(municipality=m, actor=user))
        assert second.pk != run.pk and second.status == "done"
        finding.refresh_from_db()
        assert (finding.status, finding.reason) == ("justified", "Tijdelijk lokaal goedgekeurd.")


def test_nightly_job_queues_a_run_per_municipality_on_the_worker(celery_worker):
    from funding.tasks import run_checks_nightly

    with scopes_disabled():
        a = f.MunicipalityFactory(code="GM1952", slug="midden-groningen")
        b = f.MunicipalityFactory(code="GM1979", slug="eemsdelta")
        run_checks_nightly.delay()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = set(
                CheckRun.objects.filter(status="done", trigger="nightly").values_list(
                    "municipality_id", flat=True
                )
            )
            if done >= {a.pk, b.pk}:
                break
            time.sleep(0.3)
        assert done >= {a.pk, b.pk}


def test_beat_schedule_has_the_nightly_checks(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["funding-checks-nightly"]
    assert entry["task"] == "funding.tasks.run_checks_nightly"
