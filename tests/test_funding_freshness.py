"""Findings follow the data (issue 10 §3): writes queue one coalesced background re-run per
municipality, runs of one municipality never overlap, a sign-off resolves its F6 finding with
who and when, and the findings page says when the checks last ran and whether a run is pending.
"""

import dataclasses
import datetime as dt
import io
import time
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from funding import freshness
from funding.models import CheckRun, Finding, FundingStream
from funding.services import expenditures as expenditure_services
from funding.services import grants as grant_services
from funding.services.checks import checks_run
from funding.services.expenditure_import import ExpenditureImporter
from portal.celery import app
from portal.models import AuditEvent, Role

from . import factories as f

D = dt.date


def f6_line(world, booking="KEUKEN"):
    """A line whose 120 months of depreciation run past its grant's window: F6."""
    with scopes_disabled():
        npo = FundingStream.objects.get(code="NPO-GEM")
    grant = f.GrantFactory(
        municipality=world.municipality,
        stream=npo,
        reference="NPO",
        window_start=D(2021, 7, 1),
        window_end=D(2025, 7, 31),
    )
    return f.ExpenditureFactory(
        grant=grant, booking_id=booking, date=D(2023, 10, 2), depreciation_months=120
    )


def _fields(line, **changes):
    """The line's stored fields with ``changes``, as the edit form sends them."""
    return dataclasses.replace(expenditure_services.ExpenditureFields.of(line), **changes)


@pytest.fixture
def queued(monkeypatch):
    """Record the background runs queued instead of running them."""
    calls = []
    monkeypatch.setattr(freshness, "_start", lambda run, countdown: calls.append(countdown))
    return calls


def test_a_burst_of_writes_queues_one_run(world, queued, django_capture_on_commit_callbacks):
    line = f6_line(world)
    accountant = world.users[Role.ACCOUNTANT]
    officer = world.users[Role.POLICY_OFFICER]
    with scopes_disabled(), django_capture_on_commit_callbacks(execute=True):
        expenditure_services.expenditure_sign_off(expenditure=line, actor=accountant)
        line.refresh_from_db()
        expenditure_services.expenditure_update(
            expenditure=line,
            actor=officer,
            fields=_fields(line, description="Keuken"),
            version=line.version,
        )
        grant_services.grant_create(
            municipality=world.municipality,
            actor=officer,
            fields=grant_services.GrantFields(
                stream=FundingStream.objects.get(code="GOAB"),
                reference="NIEUW",
                window_start=D(2023, 1, 1),
                window_end=D(2026, 12, 31),
                amount=Decimal("1000.00"),
                carry_over=Decimal("0.00"),
                carried_from=None,
                notes="",
            ),
        )
    with scopes_disabled():
        runs = list(CheckRun.objects.filter(municipality=world.municipality))
    assert [(r.trigger, r.status) for r in runs] == [("auto", "queued")]
    assert queued == [10]  # one task, starting after the coalescing delay
    # a write that changes nothing the checks read (a meeting) queues nothing more
    with scopes_disabled(), django_capture_on_commit_callbacks(execute=True):
        AuditEvent.objects.create(
            municipality=world.municipality, action="meeting.update", object_type="x"
        )
    assert queued == [10]


def test_a_write_after_the_run_started_queues_the_next_run(
    world, queued, django_capture_on_commit_callbacks
):
    with scopes_disabled():
        first = freshness.checks_refresh_soon(municipality_id=world.municipality.pk)
        CheckRun.objects.filter(pk=first.pk).update(status="running")
        second = freshness.checks_refresh_soon(municipality_id=world.municipality.pk)
        third = freshness.checks_refresh_soon(municipality_id=world.municipality.pk)
    assert second.pk != first.pk and third.pk == second.pk


def test_runs_of_one_municipality_never_overlap(world, queued):
    with scopes_disabled():
        busy = CheckRun.objects.create(
            municipality=world.municipality, status="running", started_at=dt.datetime.now(dt.UTC)
        )
        waiting = CheckRun.objects.create(municipality=world.municipality, trigger="auto")
    app.conf.task_always_eager = False  # as on a worker: tasks may run side by side
    try:
        with scope(municipality=world.municipality):  # as the task runs it
            freshness.auto_run_execute(check_run_id=waiting.pk)
            waiting.refresh_from_db()
            assert waiting.status == "queued" and queued == [freshness.RETRY_SECONDS]
            CheckRun.objects.filter(pk=busy.pk).update(status="done")
            freshness.auto_run_execute(check_run_id=waiting.pk)
    finally:
        app.conf.task_always_eager = True
    waiting.refresh_from_db()
    assert waiting.status == "done" and queued == [freshness.RETRY_SECONDS]


def test_sign_off_resolves_the_f6_finding_with_who_and_when(
    client, world, django_capture_on_commit_callbacks
):
    line = f6_line(world)
    with scopes_disabled():
        checks_run(municipality=world.municipality)
        finding = Finding.objects.get(rule="F6")
    assert finding.status == "open"
    accountant = world.users[Role.ACCOUNTANT]
    client.force_login(accountant)
    with django_capture_on_commit_callbacks(execute=True):  # the re-run runs in-process
        response = client.post(
            reverse(
                "funding:expenditure_sign_off",
                kwargs={"municipality": world.municipality.slug, "expenditure_id": line.pk},
            )
        )
    assert response.status_code == 302
    with scopes_disabled():
        finding.refresh_from_db()
        line.refresh_from_db()
        run = CheckRun.objects.get(trigger="auto")
    assert run.status == "done"
    # resolved by the act, kept (no longer derived), with the accountant and the sign-off time
    assert (finding.status, finding.active) == ("resolved", False)
    assert finding.reviewed_by == accountant and finding.reviewed_at == line.signed_off_at
    assert finding.reason == "Afgetekend door de accountant."
    with scopes_disabled():
        assert AuditEvent.objects.filter(action="finding.resolved", actor=accountant).exists()

    page = client.get(
        reverse("funding:finding_list", kwargs={"municipality": world.municipality.slug})
    ).content.decode()
    assert "Onlangs afgehandeld" in page and "Boeking KEUKEN" in page
    assert str(accountant) in page and "Afgetekend door de accountant." in page
    assert "Controles laatst uitgevoerd op" in page
    assert "controle gepland" not in page


def test_findings_page_says_a_run_is_pending(client, world, queued):
    with scopes_disabled():
        freshness.checks_refresh_soon(municipality_id=world.municipality.pk)
    client.force_login(world.users[Role.POLICY_OFFICER])
    page = client.get(
        reverse("funding:finding_list", kwargs={"municipality": world.municipality.slug})
    ).content.decode()
    assert "controle gepland" in page and "binnen een minuut bijgewerkt" in page
    assert "De controles zijn nog niet uitgevoerd." in page


def test_a_lapsed_sign_off_reopens_the_finding(world, django_capture_on_commit_callbacks):
    line = f6_line(world)
    with scopes_disabled():
        checks_run(municipality=world.municipality)
        with django_capture_on_commit_callbacks(execute=True):
            expenditure_services.expenditure_sign_off(
                expenditure=line, actor=world.users[Role.ACCOUNTANT]
            )
        line.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            expenditure_services.expenditure_update(
                expenditure=line,
                actor=world.users[Role.POLICY_OFFICER],
                fields=_fields(line, depreciation_months=121),
                version=line.version,
            )
        finding = Finding.objects.get(rule="F6")
    assert (finding.status, finding.active) == ("open", True)


# --- a real worker (PostgreSQL + Redis) ------------------------------------------------------------


def test_signing_off_resolves_the_finding_within_a_minute_on_a_real_worker(celery_worker, settings):
    settings.PORTAL_CHECKS_REFRESH_DELAY = 1
    with scopes_disabled():
        world_m = f.MunicipalityFactory(code="GM1952", slug="midden-groningen")
        npo = FundingStream.objects.get(code="NPO-GEM")
        grant = f.GrantFactory(
            municipality=world_m,
            stream=npo,
            window_start=D(2021, 7, 1),
            window_end=D(2025, 7, 31),
        )
        line = f.ExpenditureFactory(
            grant=grant, booking_id="KEUKEN", date=D(2023, 10, 2), depreciation_months=120
        )
        checks_run(municipality=world_m)
        accountant = f.UserFactory()
        expenditure_services.expenditure_sign_off(expenditure=line, actor=accountant)
        started = time.monotonic()
        while time.monotonic() - started < 60:
            run = CheckRun.objects.filter(municipality=world_m, trigger="auto").first()
            if run and run.finished:
                break
            time.sleep(0.3)
        assert run is not None and run.status == "done", "no automatic re-run within a minute"
        finding = Finding.objects.get(rule="F6")
        assert (finding.status, finding.active, finding.reviewed_by) == (
            "resolved",
            False,
            accountant,
        )


# --- the writes outside the services: stream edits in the admin, command-line imports -----------


def test_editing_a_stream_reruns_the_checks_of_the_municipalities_using_it(
    world, queued, django_capture_on_commit_callbacks
):
    """A stream's window, sectors and carry-over cap feed F3, F4, F6 and F8: editing it in the
    admin queues a run for each municipality with a grant or planned funding of that stream,
    and for no other."""
    f6_line(world)  # an NPO-GEM grant of world.municipality
    other = f.MunicipalityFactory()
    planned = f.ActivityFactory(municipality=other)
    bystander = f.MunicipalityFactory()
    with scopes_disabled():
        npo = FundingStream.objects.get(code="NPO-GEM")
        f.FundingLineFactory(activity=planned, stream=npo)
        f.GrantFactory(municipality=bystander)  # GOAB only
        with django_capture_on_commit_callbacks(execute=True):
            npo.window_end = D(2025, 12, 31)
            npo.save()
        runs = set(CheckRun.objects.values_list("municipality_id", "trigger", "status"))
    assert runs == {
        (world.municipality.pk, "auto", "queued"),
        (other.pk, "auto", "queued"),
    }
    assert queued == [10, 10]


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_command_line_imports_of_schools_and_needs_rerun_the_checks(
    world, queued, tmp_path, django_capture_on_commit_callbacks
):
    """``manage.py import_schools`` and ``import_needs`` write outside the browser's services;
    they record themselves per municipality touched, which queues the re-run as the browser
    imports do."""
    code = world.municipality.code.removeprefix("GM")
    schools = _write(
        tmp_path,
        "duo.csv",
        "INSTELLINGSCODE;VESTIGINGSCODE;VESTIGINGSNAAM;GEMEENTENUMMER;GEMEENTENAAM;SOORT_PO\n"
        f"77ZZ;77ZZ00;De Nieuwe School;{code};{world.municipality.name};Bo\n",
    )
    with scopes_disabled(), django_capture_on_commit_callbacks(execute=True):
        call_command("import_schools", schools, "--sector", "BO")
    with scopes_disabled():
        events = list(AuditEvent.objects.filter(action="schools.import"))
        assert [(e.municipality_id, e.actor_id) for e in events] == [(world.municipality.pk, None)]
        assert CheckRun.objects.filter(municipality=world.municipality).count() == 1
        CheckRun.objects.update(status=CheckRun.Status.DONE)
    needs = _write(
        tmp_path,
        "needs.csv",
        "school,school_year,theme,severity,share_of_pupils\n77ZZ00,2023-2024,taal,severe,12\n",
    )
    with scopes_disabled(), django_capture_on_commit_callbacks(execute=True):
        call_command("import_needs", needs)
    with scopes_disabled():
        assert list(
            AuditEvent.objects.filter(action="needs.import").values_list("municipality_id")
        ) == [(world.municipality.pk,)]
        assert CheckRun.objects.filter(status=CheckRun.Status.QUEUED).count() == 1
    assert queued == [10, 10]
    # a dry run saves nothing and records nothing
    with scopes_disabled(), django_capture_on_commit_callbacks(execute=True):
        call_command("import_needs", needs, "--dry-run")
        assert AuditEvent.objects.filter(action="needs.import").count() == 1


def test_sign_off_asks_for_confirmation_and_keeps_the_note(client, world):
    line = f6_line(world)
    accountant = world.users[Role.ACCOUNTANT]
    client.force_login(accountant)
    kwargs = {"municipality": world.municipality.slug, "expenditure_id": line.pk}
    page = client.get(reverse("funding:expenditure_detail", kwargs=kwargs)).content.decode()
    # the button opens a confirmation with what will happen and an optional note
    assert '<details class="confirm">' in page and "kan niet ongedaan worden gemaakt" in page
    assert 'name="note"' in page and "Ja, aftekenen" in page
    client.post(
        reverse("funding:expenditure_sign_off", kwargs=kwargs),
        {"version": line.version, "note": "Keuken gaat 10 jaar mee; afgestemd met de controller."},
    )
    with scopes_disabled():
        event = AuditEvent.objects.get(action="expenditure.sign_off")
    assert event.actor == accountant and event.reason.startswith("Keuken gaat 10 jaar mee")


def test_an_unchanged_reimport_of_expenditures_queues_no_run(
    world, queued, django_capture_on_commit_callbacks
):
    """Re-importing the same file writes no line: its audit entry says 0 created, 0 updated,
    and the checks are not re-run for it (a run would re-derive nothing)."""
    with scopes_disabled():
        f.GrantFactory(municipality=world.municipality, reference="G-1")
    body = (
        b"municipality;booking_id;grant;date;amount;supplier\n"
        + f"{world.municipality.code};R1;G-1;01-03-2023;10,00;Leverancier\n".encode()
    )

    def run():
        with scopes_disabled(), django_capture_on_commit_callbacks(execute=True):
            return ExpenditureImporter().run(io.BytesIO(body), filename="x.csv")

    assert run().created == 1
    with scopes_disabled():
        assert CheckRun.objects.filter(municipality=world.municipality).count() == 1
        CheckRun.objects.update(status=CheckRun.Status.DONE)
    again = run()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    with scopes_disabled():
        assert AuditEvent.objects.filter(action="expenditures.import").count() == 2
        assert not CheckRun.objects.filter(status=CheckRun.Status.QUEUED).exists()
    assert queued == [10]
