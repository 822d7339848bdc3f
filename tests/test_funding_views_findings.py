"""The funding findings page: its check button and status fragment, justifying and reviewing
a finding, the filters, and the gap view of needs and the activities that cover them."""

import datetime as dt

from django_scopes import scopes_disabled

from funding.models import CheckRun, Finding, FundingStream

from . import factories as f
from .funding_pages import A, P, login, url

# --- findings, check run, gap view -------------------------------------------------------------


def test_check_button_runs_the_job_and_the_status_fragment_reports_done(
    client, world, django_capture_on_commit_callbacks
):
    grant = f.GrantFactory(
        municipality=world.municipality,
        stream=FundingStream.objects.get(code="NPO-GEM"),
        window_start=None,
        window_end=None,
    )
    f.ExpenditureFactory(
        grant=grant, booking_id="NEW", new_construction=True, date=dt.date(2023, 1, 1)
    )
    login(client, world, A)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(world, "check_run_start"))
    assert response.status_code == 302
    with scopes_disabled():
        run = CheckRun.objects.get()
        assert (run.status, run.progress, run.findings_count) == ("done", 100, 1)
    fragment = client.get(url(world, "check_run_status", check_run_id=run.pk)).content.decode()
    assert "data-poll-done" in fragment and "Toon de bijgewerkte bevindingen" in fragment
    page = client.get(url(world, "finding_list")).content.decode()
    assert "Boeking NEW" in page and "Beoordelen" not in page  # the accountant may not review


def test_status_fragment_polls_while_running(client, world):
    with scopes_disabled():
        run = CheckRun.objects.create(
            municipality=world.municipality, status="running", progress=40, step="regel F3"
        )
    fragment = (
        login(client, world, P)
        .get(url(world, "check_run_status", check_run_id=run.pk))
        .content.decode()
    )
    assert (
        "data-poll-url" in fragment
        and 'value="40"' in fragment
        and 'aria-live="polite"' in fragment
    )


def test_policy_officer_justifies_a_finding_with_a_reason(client, world):
    with scopes_disabled():
        finding = Finding.objects.create(
            municipality=world.municipality,
            rule="F2",
            severity="warning",
            key="k",
            fingerprint="x",
            subjects=["booking:X"],
            message="m",
        )
    login(client, world, P)
    client.post(
        url(world, "finding_review", finding_id=finding.pk), {"status": "justified", "reason": ""}
    )
    with scopes_disabled():
        finding.refresh_from_db()
        assert finding.status == "open"
    client.post(
        url(world, "finding_review", finding_id=finding.pk),
        {"status": "justified", "reason": "Afgesproken"},
    )
    with scopes_disabled():
        finding.refresh_from_db()
        assert (finding.status, finding.reason, finding.reviewed_by) == (
            "justified",
            "Afgesproken",
            world.users[P],
        )


def test_a_refused_review_shows_its_error_at_the_field_and_returns_to_the_filtered_list(
    client, world
):
    with scopes_disabled():
        finding = Finding.objects.create(
            municipality=world.municipality,
            rule="F2",
            severity="warning",
            key="k",
            fingerprint="x",
            subjects=["booking:X"],
            message="m",
        )
    login(client, world, P)
    listed = url(world, "finding_list") + "?rule=F2&status=open"
    response = client.post(
        url(world, "finding_review", finding_id=finding.pk),
        {"status": "justified", "reason": "", "next": listed},
    )
    assert response["Location"] == f"{listed}#finding-{finding.pk}"
    page = client.get(listed).content.decode()
    error_id = f"reason-{finding.pk}-error"
    field = page.index(f'id="reason-{finding.pk}"')
    # the error sits in the finding's own row, tied to its field, not at the top of the page
    assert page.index(f'<p class="error" id="{error_id}">') < field
    assert f'aria-describedby="{error_id}"' in page and 'class="messages"' not in page
    # once shown, it is gone
    assert error_id not in client.get(listed).content.decode()
    response = client.post(
        url(world, "finding_review", finding_id=finding.pk),
        {"status": "justified", "reason": "Afgesproken", "next": "//evil.example/"},
    )
    assert response["Location"].startswith(url(world, "finding_list"))


def test_findings_filter_by_rule_and_stream(client, world):
    with scopes_disabled():
        a = Finding.objects.create(
            municipality=world.municipality,
            rule="F2",
            severity="warning",
            key="a",
            fingerprint="x",
            subjects=["booking:AAA"],
            message="m",
        )
        a.streams.add(FundingStream.objects.get(code="GOAB"))
        Finding.objects.create(
            municipality=world.municipality,
            rule="F7",
            severity="error",
            key="b",
            fingerprint="x",
            subjects=["booking:BBB"],
            message="m",
        )
    login(client, world, P)
    goab = FundingStream.objects.get(code="GOAB").pk
    assert b"AAA" in client.get(url(world, "finding_list") + f"?stream={goab}").content
    assert b"BBB" not in client.get(url(world, "finding_list") + f"?stream={goab}").content
    assert b"AAA" not in client.get(url(world, "finding_list") + "?rule=F7").content


def test_gap_view_shows_covered_and_uncovered_needs_and_groups_shared_gaps(client, world):
    from funding.services.checks import checks_run

    third = f.SchoolFactory(
        municipality=world.municipality, code="93MC00", name="Kindcentrum De Wilgen"
    )
    for school in (world.school, world.other_school, third):
        f.NeedFactory(
            scan=f.ScanFactory(school=school, school_year="2023-2024", submitted=True),
            theme="zorg",
            severity="severe",
        )
    f.activity_with_funding(
        municipality=world.municipality, code="ZORG", themes=["zorg"], schools=[third]
    )
    with scopes_disabled():
        checks_run(municipality=world.municipality)
    content = (
        login(client, world, P)
        .get(url(world, "gap_view") + "?schooljaar=2023-2024")
        .content.decode()
    )
    assert content.count("niet gedekt") >= 2 and "✓" in content
    assert (
        "OBS De Vlonder (91KA00), CBS Het Kompas (92LB00)" in content
        or "CBS Het Kompas (92LB00), OBS De Vlonder (91KA00)" in content
    )
