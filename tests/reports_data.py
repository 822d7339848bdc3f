"""Shared set-up of the spending-report tests: one NPO-GEM grant of world.municipality with
lines in 2022, 2023 and 2024, activities with planned funding, a finding and a sign-off."""

import datetime
from decimal import Decimal

from django.utils import timezone
from django_scopes import scopes_disabled

from funding.models import Expenditure, FundingStream, normalise_key

from . import factories as f


def make_report_world(world, *, extra_lines=0):
    m = world.municipality
    stream = FundingStream.objects.get(code="NPO-GEM")
    grant = f.GrantFactory(
        municipality=m,
        stream=stream,
        reference="SPUK-NPO-1952",
        amount=Decimal("100000.00"),
        carry_over=Decimal("5000.00"),
        window_start=datetime.date(2021, 7, 1),
        window_end=datetime.date(2025, 7, 31),
    )
    other_grant = f.GrantFactory(
        municipality=m, reference="GOAB-2023"
    )  # another stream: never in the report
    taal = f.ActivityFactory(municipality=m, code="TAAL", name="Taalklas")
    reken = f.ActivityFactory(municipality=m, code="REKEN", name="Rekenbijles")
    f.FundingLineFactory(activity=taal, stream=stream, amount=Decimal("20000.00"))
    f.FundingLineFactory(
        activity=reken, stream=stream, amount=Decimal("1000.00")
    )  # overspent: commits 0
    line = f.ExpenditureFactory
    lines = [
        line(
            grant=grant,
            booking_id="B-2022-1",
            date=datetime.date(2022, 11, 3),
            amount=Decimal("1500.00"),
            activity=taal,
        ),
        line(
            grant=grant,
            booking_id="B-2023-1",
            date=datetime.date(2023, 1, 10),
            amount=Decimal("1234.56"),
            activity=taal,
            school=world.school,
            cost_category="personeel",
            description="Onderwijsassistent groep 3",
        ),
        line(
            grant=grant,
            booking_id="B-2023-2",
            date=datetime.date(2023, 1, 31),
            amount=Decimal("99.99"),
            activity=reken,
            cost_category="materiaal",
            school=world.other_school,
        ),
        line(
            grant=grant,
            booking_id="B-2023-3",
            date=datetime.date(2023, 3, 15),
            amount=Decimal("2000.00"),
            activity=reken,
            cost_category="materiaal",
            signed_off_by=world.users["accountant"],
            signed_off_at=timezone.now(),
        ),
        line(
            grant=grant,
            booking_id="B-2023-4",
            date=datetime.date(2023, 12, 31),
            amount=Decimal("0.01"),
            cost_category="ict",
        ),
        line(
            grant=grant,
            booking_id="B-2024-1",
            date=datetime.date(2024, 2, 1),
            amount=Decimal("700.00"),
            activity=taal,
        ),
        line(
            grant=other_grant,
            booking_id="G-2023-1",
            date=datetime.date(2023, 5, 1),
            amount=Decimal("999.00"),
        ),
    ]
    if extra_lines:
        with scopes_disabled():
            Expenditure.objects.bulk_create(
                [
                    Expenditure(
                        municipality=m,
                        grant=grant,
                        booking_id=f"X-{i:06d}",
                        date=datetime.date(2023, 1 + i % 12, 1 + i % 28),
                        amount=Decimal(1000 + i) / 100,
                        supplier=f"Leverancier {i % 40} BV",
                        supplier_key=normalise_key(f"Leverancier {i % 40} BV"),
                        invoice_number=f"F{i}",
                        invoice_key=f"F{i}",
                        description=f"Regel {i}",
                        activity=taal,
                    )
                    for i in range(extra_lines)
                ]
            )
    finding = f.FindingFactory(
        municipality=m,
        streams=[stream],
        status="justified",
        reason="Bewust dubbel: twee groepen.",
        message="Dubbele boeking B-2023-1",
    )
    f.FindingFactory(
        municipality=m, streams=[other_grant.stream], message="Bevinding van een andere stroom"
    )
    f.FindingFactory(
        municipality=world.other_municipality,
        streams=[stream],
        message="Bevinding van een andere gemeente",
    )
    return {
        "stream": stream,
        "grant": grant,
        "lines": lines,
        "finding": finding,
        "taal": taal,
        "reken": reken,
    }
