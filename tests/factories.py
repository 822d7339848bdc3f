"""factory-boy factories for the whole portal (cookiecutter-django style).

Every factory creates its rows with django-scopes disabled, as test set-up happens outside a
request; the code under test still runs inside the scope the middleware sets.
"""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone as _tz
from django_scopes import scopes_disabled

from funding.models import (
    Activity,
    Expenditure,
    Finding,
    FundingLine,
    FundingStream,
    Grant,
    PeriodLock,
    SpendingReport,
    normalise_key,
)
from meetings.models import (
    ActionItem,
    ActionReview,
    AgendaItem,
    Decision,
    Meeting,
    MeetingSeries,
    Participant,
    StandingItem,
)
from portal.models import Membership, Municipality, Region, Role, User
from schools.models import Directorship, Need, Scan, ScanDocument, School


class ScopedFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with scopes_disabled():
            return super()._create(model_class, *args, **kwargs)


class UserFactory(ScopedFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Sequence(lambda n: f"Gebruiker {n}")
    password = factory.PostGenerationMethodCall("set_password", "Test-wachtwoord-1")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MunicipalityFactory(ScopedFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ["code"]

    # GM9000-GM9999: no CBS code, and four digits however many tests ran before (the column
    # holds six characters; a test needing 1,000 municipalities would wrap).
    code = factory.Sequence(lambda n: f"GM{9000 + n % 1000:04d}")
    name = factory.Sequence(lambda n: f"Gemeente {n}")
    slug = factory.Sequence(lambda n: f"gemeente-{n}")


class RegionFactory(ScopedFactory):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"Regio {n}")
    slug = factory.Sequence(lambda n: f"regio-{n}")


_brin_letters = "ABCDEFGHJKLMNPRSTUVWXYZ"


def _location_code(n):
    # Generated codes always have X as first BRIN letter, so they never collide with the
    # real-looking codes tests spell out (91KA00, 92LB00, ...) however far the sequence runs.
    return f"{n % 100:02d}X{_brin_letters[(n // 100) % 23]}{(n // 2300) % 100:02d}"


class SchoolFactory(ScopedFactory):
    class Meta:
        model = School
        django_get_or_create = ["code"]

    municipality = factory.SubFactory(MunicipalityFactory)
    code = factory.Sequence(_location_code)
    name = factory.Sequence(lambda n: f"Basisschool {n}")
    sector = "BO"
    pupil_count = 200


class MembershipFactory(ScopedFactory):
    """A membership; ``school=`` (directors) records its school the way the schools app does
    (``schools.Directorship``), in the school's municipality."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.POLICY_OFFICER
    municipality = factory.SubFactory(MunicipalityFactory)
    school = None

    @classmethod
    def _create(cls, model_class, *args, school=None, **kwargs):
        if school is None:
            return super()._create(model_class, *args, **kwargs)
        kwargs["municipality"] = school.municipality
        membership = super()._create(model_class, *args, **kwargs)
        Directorship.objects.create(membership=membership, school=school)
        return membership

    class Params:
        director = factory.Trait(
            role=Role.SCHOOL_DIRECTOR, municipality=None, school=factory.SubFactory(SchoolFactory)
        )
        coordinator = factory.Trait(
            role=Role.REGIONAL_COORDINATOR,
            municipality=None,
            region=factory.SubFactory(RegionFactory),
        )


def FundingStreamFactory(code="NPO-GEM"):
    """Streams ship as data (a migration loads them): tests use the real ones."""
    return FundingStream.objects.get(code=code)


class GrantFactory(ScopedFactory):
    class Meta:
        model = Grant

    municipality = factory.SubFactory(MunicipalityFactory)
    stream = factory.LazyFunction(lambda: FundingStream.objects.get(code="GOAB"))
    reference = factory.Sequence(lambda n: f"GRANT-{n}")
    window_start = datetime.date(2023, 1, 1)
    window_end = datetime.date(2026, 12, 31)
    amount = Decimal("100000.00")


class ActivityFactory(ScopedFactory):
    class Meta:
        model = Activity

    municipality = factory.SubFactory(MunicipalityFactory)
    code = factory.Sequence(lambda n: f"ACT{n}")
    name = factory.Sequence(lambda n: f"Activiteit {n}")
    themes = factory.LazyFunction(lambda: ["taal"])
    start = datetime.date(2023, 8, 1)
    end = datetime.date(2024, 7, 31)


class FundingLineFactory(ScopedFactory):
    class Meta:
        model = FundingLine

    activity = factory.SubFactory(ActivityFactory)
    stream = factory.LazyFunction(lambda: FundingStream.objects.get(code="GOAB"))
    amount = Decimal("10000.00")


class ExpenditureFactory(ScopedFactory):
    class Meta:
        model = Expenditure

    grant = factory.SubFactory(GrantFactory)
    municipality = factory.SelfAttribute("grant.municipality")
    booking_id = factory.Sequence(lambda n: f"B-{n:06d}")
    date = datetime.date(2023, 3, 1)
    amount = Decimal("1000.00")
    supplier = "Leverancier BV"
    invoice_number = factory.Sequence(lambda n: f"F-{n}")
    supplier_key = factory.LazyAttribute(lambda o: normalise_key(o.supplier))
    invoice_key = factory.LazyAttribute(lambda o: normalise_key(o.invoice_number))


# --- meetings -------------------------------------------------------------------------------


class MeetingSeriesFactory(ScopedFactory):
    class Meta:
        model = MeetingSeries

    municipality = factory.SubFactory(MunicipalityFactory)
    region = None
    type = "lea"
    name = factory.Sequence(lambda n: f"LEA-reeks {n}")

    class Params:
        regional = factory.Trait(
            municipality=None, region=factory.SubFactory(RegionFactory), type="kenniskring"
        )


class StandingItemFactory(ScopedFactory):
    class Meta:
        model = StandingItem

    series = factory.SubFactory(MeetingSeriesFactory)
    title = factory.Sequence(lambda n: f"Vast punt {n}")
    order = factory.Sequence(lambda n: 10 * (n + 1))


class MeetingFactory(ScopedFactory):
    class Meta:
        model = Meeting

    municipality = factory.SubFactory(MunicipalityFactory)
    region = None
    type = "lea"
    title = factory.Sequence(lambda n: f"LEA-overleg {n}")
    starts_at = factory.LazyFunction(lambda: _tz.now() + datetime.timedelta(days=14))
    location = "Gemeentehuis"

    class Params:
        regional = factory.Trait(
            municipality=None, region=factory.SubFactory(RegionFactory), type="kenniskring"
        )


class ParticipantFactory(ScopedFactory):
    class Meta:
        model = Participant

    meeting = factory.SubFactory(MeetingFactory)
    name = factory.Sequence(lambda n: f"Deelnemer {n}")
    organisation = "Schoolbestuur"
    organisation_type = "schoolbestuur"


class AgendaItemFactory(ScopedFactory):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    title = factory.Sequence(lambda n: f"Agendapunt {n}")
    order = factory.Sequence(lambda n: 10 * (n + 1))


class DecisionFactory(ScopedFactory):
    class Meta:
        model = Decision

    agenda_item = factory.SubFactory(AgendaItemFactory)
    text = "Akkoord"


class ActionItemFactory(ScopedFactory):
    """An open action of a meeting (tenant copied from the meeting). Owner: external unless
    ``owner_user`` is given."""

    class Meta:
        model = ActionItem

    meeting = factory.SubFactory(MeetingFactory)
    municipality = factory.SelfAttribute("meeting.municipality")
    region = factory.SelfAttribute("meeting.region")
    description = factory.Sequence(lambda n: f"Actiepunt {n}")
    owner_user = None
    owner_name = factory.LazyAttribute(lambda o: "" if o.owner_user else "Coördinator jeugdhulp")
    owner_organisation = factory.LazyAttribute(lambda o: "" if o.owner_user else "Jeugdhulp Noord")
    owner_email = factory.LazyAttributeSequence(
        lambda o, n: "" if o.owner_user else f"eigenaar{n}@jeugdhulp.example"
    )
    due_date = factory.LazyFunction(lambda: _tz.localdate() + datetime.timedelta(days=3))

    class Params:
        overdue = factory.Trait(
            due_date=factory.LazyFunction(lambda: _tz.localdate() - datetime.timedelta(days=10))
        )
        done = factory.Trait(status="done")


class ActionReviewFactory(ScopedFactory):
    class Meta:
        model = ActionReview

    meeting = factory.SubFactory(MeetingFactory)
    action = factory.SubFactory(ActionItemFactory)


# --- schools --------------------------------------------------------------------------------
class ScanFactory(ScopedFactory):
    class Meta:
        model = Scan

    school = factory.SubFactory(SchoolFactory)
    municipality = factory.SelfAttribute("school.municipality")
    school_year = "2023-2024"
    status = Scan.Status.DRAFT

    class Params:
        submitted = factory.Trait(status=Scan.Status.SUBMITTED)
        reviewed = factory.Trait(status=Scan.Status.REVIEWED)


class NeedFactory(ScopedFactory):
    class Meta:
        model = Need

    scan = factory.SubFactory(ScanFactory)
    theme = "taal"
    severity = "moderate"
    share_of_pupils = Decimal("20.00")


PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


class ScanDocumentFactory(ScopedFactory):
    class Meta:
        model = ScanDocument

    scan = factory.SubFactory(ScanFactory)
    version = factory.Sequence(lambda n: n + 1)
    file = factory.django.FileField(data=PDF_BYTES, filename="scan.pdf")
    original_name = "Schoolscan 2023-2024.pdf"
    kind = "pdf"
    size = len(PDF_BYTES)
    sha256 = "0" * 64


# --- funding (issue 4) -------------------------------------------------------------------------
def activity_with_funding(*, streams=("GOAB",), schools=(), **kwargs):
    """An activity with one funding line per stream code and the listed schools."""
    activity = ActivityFactory(**kwargs)
    for code in streams:
        FundingLineFactory(activity=activity, stream=FundingStream.objects.get(code=code))
    if schools:
        with scopes_disabled():
            activity.schools.set(schools)
    return activity


# --- Spending reports (funding/reports/) ------------------------------------------


class FindingFactory(ScopedFactory):
    class Meta:
        model = Finding
        skip_postgeneration_save = True

    municipality = factory.SubFactory(MunicipalityFactory)
    rule = Finding.Rule.F1
    severity = Finding.Severity.ERROR
    key = factory.Sequence(lambda n: f"{n:064x}")
    fingerprint = factory.Sequence(lambda n: f"{n:064x}")
    message = factory.Sequence(lambda n: f"Dubbele boeking {n}")

    @factory.post_generation
    def streams(obj, create, extracted, **kwargs):
        if create and extracted:
            with scopes_disabled():
                obj.streams.set(extracted)


class PeriodLockFactory(ScopedFactory):
    class Meta:
        model = PeriodLock

    municipality = factory.SubFactory(MunicipalityFactory)
    stream = factory.LazyFunction(lambda: FundingStream.objects.get(code="GOAB"))
    year = 2023


class SpendingReportFactory(ScopedFactory):
    """A report row; with ``done=True`` it holds small stored files with their real SHA-256."""

    class Meta:
        model = SpendingReport

    class Params:
        done = factory.Trait(status=SpendingReport.Status.DONE, progress=100)

    municipality = factory.SubFactory(MunicipalityFactory)
    stream = factory.LazyFunction(lambda: FundingStream.objects.get(code="GOAB"))
    year = 2023
    version = factory.Sequence(lambda n: n + 1)
    data_sha256 = factory.Sequence(lambda n: f"{n:064x}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        import hashlib

        from django.core.files.base import ContentFile

        report = super()._create(model_class, *args, **kwargs)
        if report.status == SpendingReport.Status.DONE and not report.pdf:
            with scopes_disabled():
                for kind, payload in (("pdf", b"%PDF-1.7 test"), ("xlsx", b"PK test")):
                    getattr(report, kind).save(
                        f"test-{report.pk}.{kind}", ContentFile(payload), save=False
                    )
                    setattr(report, f"{kind}_sha256", hashlib.sha256(payload).hexdigest())
                report.save()
        return report
