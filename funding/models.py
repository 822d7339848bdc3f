"""Money: funding streams, grants, activities with their funding lines, and expenditures.

Streams are reference data (a fixture, editable by staff). Everything else belongs to one
municipality and is reached only through a tenant scope (django-scopes), so a query that forgets
the tenant raises instead of leaking.
"""

import re
import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from portal.domain import Menukaart

MONEY = {"max_digits": 14, "decimal_places": 2}

_KEY_STRIP = re.compile(r"[\s./\-]+")
# Format characters (zero-width space and joiners, bidi marks, soft hyphen): invisible.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
# Upper-case Cyrillic and Greek letters that look like Latin ones (Unicode confusables,
# the subset that occurs in names written with a Latin keyboard layout).
_CONFUSABLES = str.maketrans(
    "АВЕЅІЈКМНОРСТУХԚԜҮΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "ABESIJKMHOPCTYXQWYABEZHIKMNOPTYX",
)


def normalise_key(value: str) -> str:
    """Compare suppliers and invoice numbers the way checks.md says: trimmed, upper-cased,
    without spaces, dots, dashes and slashes (``SB/2023/77`` == ``sb-2023-77``), and folded so
    that look-alikes compare equal (issue 13 §2): compatibility forms by NFKC (``ﬁ`` = ``fi``,
    full-width letters), invisible format characters dropped, Cyrillic and Greek homoglyphs
    mapped to Latin (a Cyrillic ``а`` in a supplier name does not escape the F1 check)."""
    folded = unicodedata.normalize("NFKC", _INVISIBLE.sub("", value or ""))
    return _KEY_STRIP.sub("", folded.strip().upper().translate(_CONFUSABLES))


class FundingStream(models.Model):
    class PaidTo(models.TextChoices):
        MUNICIPALITY = "municipality", _("gemeente")
        SCHOOL_BOARD = "school_board", _("schoolbestuur")

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("naam"), max_length=200)
    regulation = models.CharField(_("regeling"), max_length=300, blank=True)
    paid_to = models.CharField(_("uitbetaald aan"), max_length=20, choices=PaidTo.choices)
    window_start = models.DateField(_("begin bestedingstermijn"), null=True, blank=True)
    window_end = models.DateField(_("einde bestedingstermijn"), null=True, blank=True)
    # Sector codes (portal.domain.Sector); empty means every sector.
    eligible_sectors = models.JSONField(_("toegestane sectoren"), default=list, blank=True)
    new_construction_allowed = models.BooleanField(
        _("nieuwbouw of tijdelijke huisvesting toegestaan"), default=True
    )
    sisa_code = models.CharField(_("SiSa-code"), max_length=20, blank=True)
    notes = models.TextField(_("toelichting"), blank=True)
    # Check F8 (checks.md): a grant may carry over at most this share of its source grant's
    # budget for the source's last calendar year (GOAB: 50). Empty: no cap.
    carry_over_cap_percent = models.DecimalField(
        _("maximale overheveling (% van het budget van het laatste jaar)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("financieringsstroom")
        verbose_name_plural = _("financieringsstromen")

    def __str__(self):
        return self.code

    def allows_sector(self, sector: str) -> bool:
        return not self.eligible_sectors or sector in self.eligible_sectors


class Grant(models.Model):
    """A grant decision (beschikking): an amount for one municipality and spending window."""

    municipality = models.ForeignKey(
        "portal.Municipality", on_delete=models.PROTECT, related_name="grants"
    )
    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT, related_name="grants")
    reference = models.CharField(_("kenmerk"), max_length=100)
    window_start = models.DateField(_("begin bestedingstermijn"), null=True, blank=True)
    window_end = models.DateField(_("einde bestedingstermijn"), null=True, blank=True)
    amount = models.DecimalField(_("toegekend bedrag"), **MONEY)
    carry_over = models.DecimalField(_("overgeheveld bedrag"), default=0, **MONEY)
    carried_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="carried_into",
        verbose_name=_("overgeheveld uit"),
    )
    notes = models.TextField(_("toelichting"), blank=True)
    # Optimistic locking: a save based on an older version is refused, never overwrites.
    version = models.PositiveIntegerField(default=1)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["stream__code", "window_start", "reference"]
        verbose_name = _("beschikking")
        verbose_name_plural = _("beschikkingen")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "reference"], name="uniq_grant_reference"
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def total(self):
        """Granted amount including what was carried in."""
        return self.amount + self.carry_over


class Activity(models.Model):
    """Something funded (inzet): a municipal activity, or a school's own intervention
    (``owner_school`` set; it then reaches that school only). One model for both, so the
    overlap and gap checks see every activity."""

    municipality = models.ForeignKey(
        "portal.Municipality", on_delete=models.PROTECT, related_name="activities"
    )
    owner_school = models.ForeignKey(
        "schools.School",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="own_activities",
        verbose_name=_("school (eigen interventie)"),
    )
    code = models.CharField(_("code"), max_length=50)
    name = models.CharField(_("naam"), max_length=200)
    description = models.TextField(_("omschrijving"), blank=True)
    # Theme codes (portal.domain.Theme) and sector codes (portal.domain.Sector; empty = all).
    themes = models.JSONField(_("thema's"), default=list)
    sectors = models.JSONField(_("sectoren"), default=list, blank=True)
    # Schools reached when listed; empty = every school of the municipality in `sectors`.
    schools = models.ManyToManyField(
        "schools.School", blank=True, related_name="reached_by", verbose_name=_("scholen")
    )
    # A school's own intervention is chosen in its scan(s) (school-owned activities only).
    # Owned here, not by schools.Scan, because funding depends on schools (issue 9 §3).
    scans = models.ManyToManyField(
        "schools.Scan",
        blank=True,
        related_name="interventions",
        verbose_name=_("gekozen in schoolscans"),
    )
    start = models.DateField(_("begin"))
    end = models.DateField(_("einde"))
    planned_cost = models.DecimalField(_("geplande kosten"), null=True, blank=True, **MONEY)
    menukaart = models.CharField(
        _("menukaart"), max_length=1, choices=Menukaart.choices, blank=True
    )
    partner = models.CharField(_("uitvoerende partner"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["start", "code"]
        verbose_name = _("activiteit")
        verbose_name_plural = _("activiteiten")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "code"],
                condition=Q(owner_school__isnull=True),
                name="uniq_municipal_activity_code",
            ),
            models.UniqueConstraint(
                fields=["owner_school", "code"],
                condition=Q(owner_school__isnull=False),
                name="uniq_school_activity_code",
            ),
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="activity_end_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.code} – {self.name}"

    @property
    def owner_code(self):
        """CBS code or location code, as in ``activity:<owner>/<code>`` (interchange.md)."""
        return self.owner_school.code if self.owner_school_id else self.municipality.code


class FundingLine(models.Model):
    """Planned funding of an activity by one stream (``STREAM:amount`` in the import)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="funding_lines")
    stream = models.ForeignKey(
        FundingStream, on_delete=models.PROTECT, related_name="funding_lines"
    )
    amount = models.DecimalField(_("bedrag"), null=True, blank=True, **MONEY)

    class Meta:
        verbose_name = _("financieringsregel")
        verbose_name_plural = _("financieringsregels")
        constraints = [
            models.UniqueConstraint(fields=["activity", "stream"], name="uniq_funding_line")
        ]

    def __str__(self):
        return f"{self.stream.code}: {self.amount}"


class Expenditure(models.Model):
    """One booked line from the finance system, charged to a grant."""

    class CostCategory(models.TextChoices):
        PERSONEEL = "personeel", _("personeel")
        MATERIAAL = "materiaal", _("materiaal")
        HUISVESTING = "huisvesting", _("huisvesting")
        ICT = "ict", _("ICT")
        INHUUR = "inhuur", _("inhuur")
        OVERIG = "overig", _("overig")

    municipality = models.ForeignKey(
        "portal.Municipality", on_delete=models.PROTECT, related_name="expenditures"
    )
    booking_id = models.CharField(_("boekingsnummer"), max_length=50)
    grant = models.ForeignKey(
        Grant, on_delete=models.PROTECT, related_name="expenditures", verbose_name=_("beschikking")
    )
    date = models.DateField(_("boekdatum"))
    amount = models.DecimalField(_("bedrag"), **MONEY)
    supplier = models.CharField(_("leverancier"), max_length=200)
    invoice_number = models.CharField(_("factuurnummer"), max_length=100, blank=True)
    # normalise_key() of supplier and invoice number, stored so that F1/F2 group in SQL.
    supplier_key = models.CharField(max_length=200, editable=False)
    invoice_key = models.CharField(max_length=100, editable=False, blank=True)
    description = models.CharField(_("omschrijving"), max_length=500, blank=True)
    activity = models.ForeignKey(
        Activity,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expenditures",
        verbose_name=_("activiteit"),
    )
    school = models.ForeignKey(
        "schools.School",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="expenditures",
        verbose_name=_("school"),
    )
    cost_category = models.CharField(
        _("kostensoort"), max_length=20, choices=CostCategory.choices, default=CostCategory.OVERIG
    )
    depreciation_months = models.PositiveIntegerField(
        _("afschrijvingstermijn (maanden)"), null=True, blank=True
    )
    new_construction = models.BooleanField(_("nieuwbouw of tijdelijke huisvesting"), default=False)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("afgetekend door"),
    )
    signed_off_at = models.DateTimeField(_("afgetekend op"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["date", "booking_id"]
        verbose_name = _("besteding")
        verbose_name_plural = _("bestedingen")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "booking_id"], name="uniq_expenditure_booking"
            ),
        ]
        indexes = [
            models.Index(fields=["grant", "date"]),
            models.Index(fields=["municipality", "supplier_key", "invoice_key"]),
            models.Index(fields=["municipality", "date"]),
            # The list's other sorts, read by keyset pages (portal.pagination) in index order.
            models.Index(fields=["municipality", "amount", "id"], name="funding_exp_muni_amount"),
            models.Index(
                fields=["municipality", "supplier", "id"], name="funding_exp_muni_supplier"
            ),
        ]

    def __str__(self):
        return self.booking_id


class Finding(models.Model):
    """A result of the checks (checks.md). Its identity is ``key`` (rule + sorted subjects), so
    a re-run finds the same finding again; ``fingerprint`` hashes the subjects' data, so a
    justified or resolved finding keeps its status while the subjects are unchanged and reopens
    when they change."""

    class Rule(models.TextChoices):
        F1 = "F1", _("F1 dubbele boeking")
        F2 = "F2", _("F2 gesplitste factuur")
        F3 = "F3", _("F3 buiten bestedingstermijn")
        F4 = "F4", _("F4 sector niet toegestaan")
        F5 = "F5", _("F5 beschikking overschreden")
        F6 = "F6", _("F6 afschrijving na termijn")
        F7 = "F7", _("F7 nieuwbouw")
        F8 = "F8", _("F8 overheveling")
        P1 = "P1", _("P1 overlap in programma's")
        G1 = "G1", _("G1 onbedekte behoefte")

    class Severity(models.TextChoices):
        ERROR = "error", _("fout")
        WARNING = "warning", _("waarschuwing")
        INFO = "info", _("informatie")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        JUSTIFIED = "justified", _("verantwoord")
        RESOLVED = "resolved", _("opgelost")

    municipality = models.ForeignKey(
        "portal.Municipality", on_delete=models.CASCADE, related_name="findings"
    )
    rule = models.CharField(_("regel"), max_length=2, choices=Rule.choices)
    severity = models.CharField(_("ernst"), max_length=10, choices=Severity.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    key = models.CharField(max_length=64, help_text="sha256 of rule + sorted subjects")
    fingerprint = models.CharField(max_length=64, help_text="sha256 of the subjects' data")
    # Subject strings of interchange.md: booking:<id>, grant:<ref>, activity:<owner>/<code>,
    # need:<school>/<year>/<theme>; sorted.
    subjects = models.JSONField(default=list)
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    theme = models.CharField(_("thema"), max_length=30, blank=True)
    amount = models.DecimalField(_("bedrag"), null=True, blank=True, **MONEY)
    message = models.TextField(_("melding"))
    # Streams the finding involves, so a stream's spending report lists it (spending-report.md).
    streams = models.ManyToManyField(FundingStream, blank=True, related_name="findings")
    reason = models.TextField(_("toelichting"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now=True)
    # False once a run no longer derives it: open findings are then deleted, but a justified or
    # resolved one is kept (with its reason) and comes back with its status if derived again.
    active = models.BooleanField(_("actueel"), default=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["rule", "id"]
        verbose_name = _("bevinding")
        verbose_name_plural = _("bevindingen")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "key"], name="uniq_finding_key")
        ]
        indexes = [models.Index(fields=["municipality", "status", "rule"])]

    def __str__(self):
        return f"{self.rule} {self.message[:60]}"


class PeriodLock(models.Model):
    """A year of one stream whose spending report is final (product.md, capability 12):
    that year's lines may not change until a policy officer reopens it (``reopened_at``)."""

    municipality = models.ForeignKey(
        "portal.Municipality", on_delete=models.CASCADE, related_name="period_locks"
    )
    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("jaar"))
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    locked_at = models.DateTimeField(auto_now_add=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopen_reason = models.TextField(_("reden heropenen"), blank=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-locked_at"]
        verbose_name = _("afgesloten periode")
        verbose_name_plural = _("afgesloten periodes")
        constraints = [
            # At most one active lock per municipality, stream and year.
            models.UniqueConstraint(
                fields=["municipality", "stream", "year"],
                condition=Q(reopened_at__isnull=True),
                name="uniq_active_period_lock",
            )
        ]

    def __str__(self):
        return f"{self.stream.code} {self.year}"


class ActivityReach(models.Model):
    """Which schools an activity reaches on which theme (checks.md, "An activity reaches"),
    with the activity's period copied in, so the overlap (P1) and gap (G1) rules are joins in
    the database. Listed schools (and a school's own intervention) are one row per school x
    theme; an activity that lists no schools is one row per sector x theme (``school`` empty)
    for the sectors the municipality has schools in, instead of one row per school, which
    keeps the table small for municipality-wide activities. Rebuilt per municipality by the
    check run and after activity writes: implicit reach depends on the schools of the moment."""

    municipality = models.ForeignKey(
        "portal.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="reach")
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The school's sector for listed schools; the sector reached for implicit reach.
    sector = models.CharField(max_length=3)
    theme = models.CharField(max_length=30)
    start = models.DateField()
    end = models.DateField()

    objects = ScopedManager(municipality="municipality")

    class Meta:
        indexes = [
            models.Index(fields=["municipality", "sector", "theme"]),
            models.Index(fields=["school", "theme"]),
        ]

    def __str__(self):
        return f"{self.activity_id} {self.sector} {self.theme}"


class CheckRun(models.Model):
    """One run of the checks for one municipality: the row the findings page polls while a
    worker runs it (pretix AsyncAction style). A re-delivered task finds its row finished and
    does nothing (idempotency guard)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("in de wachtrij")
        RUNNING = "running", _("bezig")
        DONE = "done", _("klaar")
        FAILED = "failed", _("mislukt")

    class Trigger(models.TextChoices):
        BUTTON = "button", _("knop")
        NIGHTLY = "nightly", _("nachtelijk")
        COMMAND = "command", _("opdrachtregel")
        AUTO = "auto", _("na een wijziging")

    municipality = models.ForeignKey(
        "portal.Municipality", on_delete=models.CASCADE, related_name="check_runs"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    trigger = models.CharField(
        _("aanleiding"), max_length=10, choices=Trigger.choices, default=Trigger.BUTTON
    )
    progress = models.PositiveSmallIntegerField(_("voortgang (%)"), default=0)
    step = models.CharField(_("stap"), max_length=100, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    findings_count = models.PositiveIntegerField(default=0)
    new_count = models.PositiveIntegerField(default=0)
    reopened_count = models.PositiveIntegerField(default=0)
    removed_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("controle")
        verbose_name_plural = _("controles")

    def __str__(self):
        return f"{self.municipality_id} {self.created_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)


class CheckChange(models.Model):
    """A write since the last check run that can change what the checks derive (issue 14 §2):
    one row per audited write (funding.freshness records it in the write's transaction), with
    the rules it can affect. A run re-derives only those rules and deletes the rows it read, so
    a run with nothing changed costs one indexed read of this table."""

    municipality = models.ForeignKey(
        "portal.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    # Comma-separated rule codes (checks.RULES) plus "reach" when the ActivityReach rows must
    # be rebuilt first.
    rules = models.CharField(max_length=100)
    action = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        indexes = [models.Index(fields=["municipality", "id"], name="funding_checkchange_muni")]

    def __str__(self):
        return f"{self.municipality_id} {self.action} {self.rules}"


class CheckState(models.Model):
    """Per municipality: when the checks last ran over all data (a full run) and with which
    version of the rules. Without it, or with an older ``version``, the next run is full."""

    municipality = models.OneToOneField(
        "portal.Municipality", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    version = models.CharField(max_length=20)
    full_at = models.DateTimeField()
    checked_at = models.DateTimeField()

    objects = ScopedManager(municipality="municipality")

    def __str__(self):
        return f"{self.municipality_id} {self.version} {self.checked_at}"


def _report_upload_to(instance, filename):
    # Private storage (no MEDIA_URL): files are served only by the permission-checked view.
    return f"reports/{instance.municipality.code}/{filename}"


class SpendingReport(models.Model):
    """One version of a spending report (spending-report.md) and the background job building it.

    A version is identified by its data: ``data_sha256`` hashes a canonical serialisation of every
    grant, line, funding line, finding and period lock it is built from. Asking again with the same
    data returns this row; changed data makes the next version. Once ``done`` the files never
    change (their SHA-256 is stored and checked on download)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("in de wachtrij")
        RUNNING = "running", _("wordt gemaakt")
        DONE = "done", _("klaar")
        FAILED = "failed", _("mislukt")

    municipality = models.ForeignKey(
        "portal.Municipality", on_delete=models.PROTECT, related_name="spending_reports"
    )
    stream = models.ForeignKey(
        FundingStream, on_delete=models.PROTECT, related_name="+", verbose_name=_("stroom")
    )
    # None: the whole window of the municipality's grants of the stream.
    year = models.PositiveSmallIntegerField(_("jaar"), null=True, blank=True)
    version = models.PositiveIntegerField(_("versie"))
    data_sha256 = models.CharField(_("SHA-256 van de gegevens"), max_length=64)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("voortgang (%)"), default=0)
    stage = models.CharField(_("stap"), max_length=200, blank=True)
    error = models.TextField(_("foutmelding"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("pogingen"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("aangevraagd op"), auto_now_add=True)
    started_at = models.DateTimeField(_("gestart op"), null=True, blank=True)
    finished_at = models.DateTimeField(_("klaar op"), null=True, blank=True)
    pdf = models.FileField(_("PDF"), upload_to=_report_upload_to, blank=True, max_length=300)
    pdf_sha256 = models.CharField(_("SHA-256 van de PDF"), max_length=64, blank=True)
    xlsx = models.FileField(_("XLSX"), upload_to=_report_upload_to, blank=True, max_length=300)
    xlsx_sha256 = models.CharField(_("SHA-256 van de XLSX"), max_length=64, blank=True)
    line_count = models.PositiveIntegerField(_("aantal regels"), default=0)
    spending = models.DecimalField(_("besteding in de periode"), null=True, blank=True, **MONEY)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finalised_at = models.DateTimeField(_("definitief op"), null=True, blank=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("bestedingsrapportage")
        verbose_name_plural = _("bestedingsrapportages")
        constraints = [
            models.UniqueConstraint(
                models.F("municipality"),
                models.F("stream"),
                models.functions.Coalesce("year", models.Value(0)),
                models.F("version"),
                name="uniq_spending_report_version",
            ),
            models.UniqueConstraint(
                models.F("municipality"),
                models.F("stream"),
                models.functions.Coalesce("year", models.Value(0)),
                models.F("data_sha256"),
                name="uniq_spending_report_data",
            ),
        ]
        indexes = [models.Index(fields=["status", "started_at"])]

    def __str__(self):
        period = self.year or _("hele termijn")
        return f"{self.stream.code} {period} v{self.version}"

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)
