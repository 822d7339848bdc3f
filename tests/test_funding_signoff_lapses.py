"""An accountant's sign-off approves what they saw: it lapses when the line changes (review S6),
whether the change comes from the form or from a re-import; a re-import of the same line keeps
it. Plus the sign-off's return address is a local path only (review S5)."""

import dataclasses
import io
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from funding.models import Expenditure
from funding.services.expenditure_import import ExpenditureImporter
from funding.services.expenditures import ExpenditureFields, expenditure_update
from portal.models import Role

from . import factories as f

HEADER = "municipality;booking_id;grant;date;amount;supplier;invoice_number;depreciation_months\n"


def _signed_line(world, **kwargs):
    grant = f.GrantFactory(municipality=world.municipality, reference="GOAB-S")
    return f.ExpenditureFactory(
        grant=grant,
        booking_id="S-1",
        amount=Decimal("1000.00"),
        depreciation_months=120,
        supplier="Koks Keukens",
        invoice_number="K-1",
        signed_off_by=world.users[Role.ACCOUNTANT],
        signed_off_at=timezone.now(),
        **kwargs,
    )


def _update(world, line, **changes):
    with scopes_disabled():
        expenditure_update(
            expenditure=line,
            actor=world.users[Role.POLICY_OFFICER],
            fields=dataclasses.replace(ExpenditureFields.of(line), **changes),
            version=line.version,
        )
        line.refresh_from_db()


def _import(body):
    with scopes_disabled():
        return ExpenditureImporter().run(io.BytesIO((HEADER + body).encode()), filename="x.csv")


def test_changing_the_amount_in_the_form_voids_the_sign_off(world):
    line = _signed_line(world)
    _update(world, line, amount=Decimal("250000.00"))
    assert line.signed_off_at is None and line.signed_off_by is None


def test_changing_only_the_description_keeps_the_sign_off(world):
    line = _signed_line(world)
    _update(world, line, description="Keuken")
    assert line.signed_off_by == world.users[Role.ACCOUNTANT]


def test_reimport_keeps_the_sign_off_of_an_unchanged_line_and_voids_a_changed_one(world):
    line = _signed_line(world, date=__import__("datetime").date(2023, 3, 1))
    unchanged = "GM1952;S-1;GOAB-S;2023-03-01;1000.00;Koks Keukens;K-1;120\n"
    assert _import(unchanged).ok
    with scopes_disabled():
        assert Expenditure.objects.get(pk=line.pk).signed_off_at is not None
    result = _import("GM1952;S-1;GOAB-S;2023-03-01;250000.00;Koks Keukens;K-1;480\n")
    assert result.ok, result.error_lines()
    with scopes_disabled():
        line = Expenditure.objects.get(pk=line.pk)
    assert (
        line.amount == Decimal("250000.00")
        and line.signed_off_at is None
        and line.signed_off_by is None
    )


def test_sign_off_never_redirects_off_site(client, world):
    grant = f.GrantFactory(municipality=world.municipality)
    line = f.ExpenditureFactory(grant=grant, depreciation_months=120)
    client.force_login(world.users[Role.ACCOUNTANT])
    url = reverse(
        "funding:expenditure_sign_off",
        kwargs={"municipality": "midden-groningen", "expenditure_id": line.pk},
    )
    for target in ["//evil.example/phish", "https://evil.example/", "x"]:
        response = client.post(url, {"next": target, "version": line.version})
        assert response.status_code == 302
        assert response["Location"].startswith("/midden-groningen/"), target


def test_bulk_action_update_with_odd_next_values_stays_on_site(client, world):
    meeting = f.MeetingFactory(municipality=world.municipality)
    action = f.ActionItemFactory(meeting=meeting)
    client.force_login(world.users[Role.LEA_CHAIR])
    url = reverse("meetings:action_bulk", kwargs={"municipality": "midden-groningen"})
    for target in ["x", "//evil.example/", "https://evil.example/"]:
        response = client.post(
            url, {"status": "in_progress", "actions": [action.pk], "next": target}
        )
        assert response.status_code == 302, target
        assert response["Location"].startswith("/midden-groningen/"), target
