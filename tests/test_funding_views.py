"""The funding pages: lists (fixed query counts), exports, forms with optimistic locking,
sign-off and imports in the browser (findings: test_funding_views_findings.py, dashboards:
test_funding_views_dashboards.py)."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django_scopes import scopes_disabled

from funding.models import Activity, Expenditure, Finding, FundingStream, Grant
from portal.models import AuditEvent

from . import factories as f
from .funding_pages import A, D, P, login, make_lines, url

# --- lists: size-independent query counts ------------------------------------------------------


@pytest.mark.parametrize("rows", [3, 30])
def test_grant_list_query_count_does_not_grow_with_rows(
    client, world, django_assert_max_num_queries, rows
):
    make_lines(world, rows)
    login(client, world, P)
    # session, user, municipality, memberships, navigation-free count(*), page of grants with
    # stream/carried_from joined and the spent sum annotated; + filter form's stream choices
    with django_assert_max_num_queries(8):
        response = client.get(url(world, "grant_list"))
    assert response.status_code == 200
    assert b"G-%d" % rows in response.content


@pytest.mark.parametrize("rows", [3, 30])
def test_expenditure_and_activity_lists_have_fixed_query_counts(
    client, world, django_assert_max_num_queries, rows
):
    make_lines(world, rows)
    login(client, world, P)
    # session, user, municipality, memberships, count, page of lines (grant, stream, activity,
    # school, signer joined), stream choices
    with django_assert_max_num_queries(8):
        assert client.get(url(world, "expenditure_list")).status_code == 200
    # session, user, municipality, memberships, count, page, prefetch funding lines (+streams),
    # prefetch schools, stream choices
    with django_assert_max_num_queries(10):
        assert client.get(url(world, "activity_list")).status_code == 200


@pytest.mark.parametrize("rows", [3, 30])
def test_findings_page_query_count_is_fixed(client, world, django_assert_max_num_queries, rows):
    make_lines(world, rows)
    with scopes_disabled():
        for i in range(rows):
            Finding.objects.create(
                municipality=world.municipality,
                rule="F7",
                severity="error",
                key=f"k{i}",
                fingerprint="x",
                subjects=[f"booking:L{rows}-{i}"],
                message="m",
                school=world.school,
            )
    login(client, world, P)
    # session, user, municipality, memberships, count, page with school/reviewer joined,
    # prefetch streams, subject lookups (bookings), counts per rule, latest run, stream choices,
    # last finished and pending run, recently settled findings
    with django_assert_max_num_queries(15):
        response = client.get(url(world, "finding_list"))
    assert response.status_code == 200
    with scopes_disabled():
        line = Expenditure.objects.get(booking_id=f"L{rows}-0")
    assert url(world, "expenditure_detail", expenditure_id=line.pk).encode() in response.content


def test_expenditure_list_filters_and_exports_the_filtered_rows(client, world):
    goab = f.GrantFactory(municipality=world.municipality, reference="GOAB-X")
    eigen = f.GrantFactory(
        municipality=world.municipality,
        reference="EIGEN-X",
        stream=FundingStream.objects.get(code="EIGEN"),
    )
    f.ExpenditureFactory(grant=goab, booking_id="B-GOAB", supplier="=HYPERLINK(1)")
    f.ExpenditureFactory(grant=eigen, booking_id="B-EIGEN")
    login(client, world, P)
    stream = FundingStream.objects.get(code="GOAB").pk
    page = client.get(url(world, "expenditure_list") + f"?stream={stream}")
    assert b"B-GOAB" in page.content and b"B-EIGEN" not in page.content
    csv = (
        client.get(url(world, "expenditure_list") + f"?stream={stream}&export=csv")
        .getvalue()
        .decode("utf-8-sig")
    )
    assert "B-GOAB" in csv and "B-EIGEN" not in csv and "'=HYPERLINK(1)" in csv
    xlsx = client.get(url(world, "expenditure_list") + "?export=xlsx&sort=-amount")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == {"B-GOAB", "B-EIGEN"}


def test_director_sees_only_activities_reaching_own_school(client, world):
    from funding.services.checks import reach_rebuild

    f.activity_with_funding(municipality=world.municipality, code="MINE", schools=[world.school])
    f.activity_with_funding(
        municipality=world.municipality, code="OTHER", schools=[world.other_school]
    )
    own = f.activity_with_funding(
        municipality=world.municipality,
        owner_school=world.school,
        code="OWN",
        streams=("NPO-SCHOOL",),
    )
    with scopes_disabled():
        reach_rebuild(world.municipality)
        other = Activity.objects.get(code="OTHER")
    login(client, world, D)
    content = client.get(url(world, "activity_list")).content
    assert b"MINE" in content and b"OWN" in content and b"OTHER" not in content
    assert client.get(url(world, "activity_detail", activity_id=other.pk)).status_code == 404
    assert client.get(url(world, "activity_update", activity_id=own.pk)).status_code == 200
    with scopes_disabled():
        mine = Activity.objects.get(code="MINE")
    page = client.get(url(world, "activity_detail", activity_id=mine.pk)).content.decode()
    assert "/bewerken/" not in page  # reaches the school, but it is the municipality's
    assert client.get(url(world, "activity_update", activity_id=mine.pk)).status_code == 403


# --- forms and optimistic locking --------------------------------------------------------------


def grant_post(grant, **changes):
    data = {
        "stream": grant.stream_id,
        "reference": grant.reference,
        "window_start": "2023-01-01",
        "window_end": "2026-12-31",
        "amount": "100000.00",
        "carry_over": "0",
        "carried_from": "",
        "notes": "",
        "version": grant.version,
    }
    data.update(changes)
    return data


def test_second_save_of_a_stale_grant_is_refused_with_a_clear_message(client, world):
    grant = f.GrantFactory(municipality=world.municipality, reference="GOAB-1")
    login(client, world, P)
    first = client.post(
        url(world, "grant_update", grant_id=grant.pk), grant_post(grant, amount="120000.00")
    )
    assert first.status_code == 302
    stale = client.post(
        url(world, "grant_update", grant_id=grant.pk), grant_post(grant, amount="90000.00")
    )
    assert stale.status_code == 400
    assert "Iemand anders heeft dit record gewijzigd" in stale.content.decode()
    with scopes_disabled():
        grant.refresh_from_db()
        assert (grant.amount, grant.version) == (Decimal("120000.00"), 2)
        event = AuditEvent.objects.get(action="grant.update")
        assert event.changes["amount"] == ["100000.00", "120000.00"]


def test_expenditure_edit_is_refused_in_a_locked_year_and_when_stale(client, world):
    from funding.models import PeriodLock

    grant = f.GrantFactory(municipality=world.municipality)
    line = f.ExpenditureFactory(grant=grant, booking_id="B-1", date=dt.date(2023, 3, 1))
    data = {
        "booking_id": "B-1",
        "grant": grant.reference,
        "date": "2024-03-01",
        "amount": "10.00",
        "supplier": "X",
        "invoice_number": "",
        "description": "",
        "activity": "",
        "school": "",
        "cost_category": "overig",
        "depreciation_months": "",
        "version": 1,
    }
    login(client, world, P)
    with scopes_disabled():
        lock = PeriodLock.objects.create(
            municipality=world.municipality, stream=grant.stream, year=2023
        )
    response = client.post(url(world, "expenditure_update", expenditure_id=line.pk), data)
    assert response.status_code == 400 and "afgesloten" in response.content.decode()
    with scopes_disabled():
        lock.delete()
    assert (
        client.post(url(world, "expenditure_update", expenditure_id=line.pk), data).status_code
        == 302
    )
    assert (
        client.post(url(world, "expenditure_update", expenditure_id=line.pk), data).status_code
        == 400
    )  # stale version 1
    with scopes_disabled():
        line.refresh_from_db()
        assert (line.date, line.supplier_key, line.version) == (dt.date(2024, 3, 1), "X", 2)


def test_create_forms_write_through_the_services(client, world):
    login(client, world, P)
    response = client.post(
        url(world, "activity_create"),
        {
            "code": "NEW",
            "name": "Nieuw",
            "themes": ["taal"],
            "start": "2023-08-01",
            "end": "2024-07-31",
            "funding": "GOAB:1000|EIGEN",
            "schools": "91ka00",
            "planned_cost": "1000",
            "menukaart": "",
            "partner": "",
            "description": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with scopes_disabled():
        from funding.models import Activity

        activity = Activity.objects.get(code="NEW")
        assert sorted(activity.funding_lines.values_list("stream__code", flat=True)) == [
            "EIGEN",
            "GOAB",
        ]
        assert AuditEvent.objects.filter(action="activity.create").exists()


def test_accountant_signs_off_a_line_and_policy_officer_may_not(client, world):
    grant = f.GrantFactory(municipality=world.municipality)
    line = f.ExpenditureFactory(grant=grant, depreciation_months=120)
    assert (
        login(client, world, P)
        .post(url(world, "expenditure_sign_off", expenditure_id=line.pk))
        .status_code
        == 404
    )
    response = login(client, world, A).post(
        url(world, "expenditure_sign_off", expenditure_id=line.pk)
    )
    assert response.status_code == 302
    with scopes_disabled():
        line.refresh_from_db()
        assert line.signed_off_by == world.users[A] and line.signed_off_at
        assert AuditEvent.objects.filter(action="expenditure.sign_off").exists()


# --- imports in the browser --------------------------------------------------------------------


def test_browser_import_previews_then_imports_on_confirm(
    client, world, django_capture_on_commit_callbacks
):
    login(client, world, P)
    content = b'municipality,stream,reference,amount\nGM1952,GOAB,GOAB-9,"1.234,56"\n'
    upload = io.BytesIO(content)
    upload.name = "grants.csv"
    preview = client.post(url(world, "grants_import"), {"file": upload})
    assert preview.status_code == 200 and b"GOAB-9" in preview.content
    with scopes_disabled():
        assert not Grant.objects.filter(reference="GOAB-9").exists()
    token = preview.context["token"]
    # Confirmed: the portal's one import job runs it (in-process here) and shows the result.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(world, "grants_import"), {"token": token})
    assert response.status_code == 302 and "/importeren/taken/" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "Import voltooid" in page and "1 nieuw" in page
    with scopes_disabled():
        assert Grant.objects.get(reference="GOAB-9").amount == Decimal("1234.56")


def test_browser_import_lists_every_invalid_row_and_imports_nothing(client, world):
    login(client, world, P)
    grant = f.GrantFactory(municipality=world.municipality, reference="G")
    content = (
        b"municipality,booking_id,grant,date,amount,supplier\n"
        b"GM1952,B1,G,2023-01-01,10,X\nGM1952,B2,NOPE,2023-01-01,10,X\nGM1979,B3,G,2023-01-01,10,X\n"
        b"GM1952,B4,G,31-02-2023,10,X\nGM1952,B1,G,2023-01-02,11,X\n"
    )
    upload = io.BytesIO(content)
    upload.name = "lines.csv"
    response = client.post(url(world, "expenditures_import"), {"file": upload})
    text = response.content.decode()
    assert response.status_code == 400
    for expected in (
        "regel 3: grant",
        "regel 4: municipality",
        "regel 5: date",
        "regel 6: municipality, booking_id",
    ):
        assert expected in text
    with scopes_disabled():
        assert not Expenditure.objects.filter(grant=grant).exists()
