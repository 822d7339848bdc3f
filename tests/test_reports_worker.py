"""A real Celery worker on Redis is killed (SIGKILL) while it builds a report: the report must end
"done" after a worker restarts (the unacknowledged message comes back after the visibility
timeout and the idempotent task builds it again) or "failed" with a reason; never stuck."""

import time

import pytest
from django_scopes import scope, scopes_disabled

from funding.models import SpendingReport
from funding.reports import jobs as services
from portal.models import Role

from .reports_data import make_report_world


def _status(report_id):
    with scopes_disabled():
        return SpendingReport.objects.get(pk=report_id)


@pytest.mark.worker
def test_killing_the_worker_mid_build_ends_done_after_restart_or_failed_with_reason(
    celery_worker, world
):
    # Enough lines that the PDF takes several seconds, so the kill lands mid-build.
    d = make_report_world(world, extra_lines=2500)
    with scope(municipality=world.municipality):
        report, created = services.report_request(
            municipality=world.municipality,
            stream=d["stream"],
            year=2023,
            user=world.users[Role.ACCOUNTANT],
        )
    assert created

    deadline = time.monotonic() + 90
    while _status(report.pk).status != "running":
        assert time.monotonic() < deadline, "the worker never started the build"
        time.sleep(0.2)
    time.sleep(1.5)
    assert _status(report.pk).status == "running", "build finished before the kill; make it slower"
    celery_worker.kill()
    assert _status(report.pk).status == "running"  # what a dead worker leaves behind

    celery_worker.start()
    deadline = time.monotonic() + 300
    while (current := _status(report.pk)).status not in ("done", "failed"):
        assert time.monotonic() < deadline, f"report stuck in {current.status!r} ({current.stage})"
        time.sleep(1)
    print(
        f"report {current.pk}: {current.status} after {current.attempts} attempt(s) {current.error}"
    )
    if current.status == "failed":
        assert current.error, "a failed report must say why"
    else:
        assert current.attempts >= 2  # built again by the restarted worker
        with scopes_disabled():
            payload, _name = services.report_file(current, "pdf")
        assert payload.startswith(b"%PDF") and current.line_count == 2504
