"""What the checks keep: findings and their reviews, the reach table of the programme rules,
check runs with the changes they wait for, and the period locks of final reports."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from .money import MONEY_SUM, Activity, FundingStream


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
    # A sum over lines (F1: every duplicate; F3: what is overspent), not one line's amount.
    amount = models.DecimalField(_("bedrag"), null=True, blank=True, **MONEY_SUM)
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
