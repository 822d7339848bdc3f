"""The funding app's models, by subject: money (streams, grants, activities, funding lines,
expenditures), checks (findings, reach, runs, period locks) and the spending reports here.

Streams are reference data (a fixture, editable by staff). Everything else belongs to one
municipality and is reached only through a tenant scope (django-scopes), so a query that forgets
the tenant raises instead of leaking.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from .checks import (  # noqa: F401
    ActivityReach,
    CheckChange,
    CheckRun,
    CheckState,
    Finding,
    PeriodLock,
)
from .money import (  # noqa: F401
    MONEY,
    MONEY_SUM,
    Activity,
    Expenditure,
    FundingLine,
    FundingStream,
    Grant,
    normalise_key,
)


def _report_upload_to(instance, filename):
    # Private storage (no MEDIA_URL): files are served only by the permission-checked view.
    return f"reports/{instance.municipality.code}/{filename}"


class SpendingReport(models.Model):
    """One version of a spending report (spending-report.md) and the background job building it.

    A version is identified by its data: ``data_sha256`` hashes a canonical serialisation of every
    grant, line, funding line, finding and period lock it is built from. The request only writes
    a queued row (no version, no hash yet: it returns at once); the job hashes the data first.
    Data equal to a finished version's make this row point at it (``same_as``: "ongewijzigd",
    its files are that version's, nothing is built again); changed data get the next version
    number and are built. Once ``done`` the files never change (their SHA-256 is stored and
    checked on download). At most one row per period is queued or running at a time, so two
    simultaneous requests start one job."""

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
    # Given by the job once the data are hashed and differ from every finished version; empty
    # while queued and for a request whose data were unchanged (``same_as``).
    version = models.PositiveIntegerField(_("versie"), null=True, blank=True)
    # Empty until the job has hashed the data.
    data_sha256 = models.CharField(_("SHA-256 van de gegevens"), max_length=64, blank=True)
    # A request whose data equal those of this finished version: shown as "ongewijzigd" and
    # served that version's files.
    same_as = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("zelfde gegevens als"),
    )
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
    # The sum of the period's lines (issue 13 §2: one line's column overflowed).
    spending = models.DecimalField(_("besteding in de periode"), null=True, blank=True, **MONEY_SUM)
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
                condition=models.Q(status="done", same_as__isnull=True),
            ),
            # One build per period at a time: a second simultaneous request finds the first.
            models.UniqueConstraint(
                models.F("municipality"),
                models.F("stream"),
                models.functions.Coalesce("year", models.Value(0)),
                name="uniq_spending_report_pending",
                condition=models.Q(status__in=["queued", "running"]),
            ),
        ]
        indexes = [models.Index(fields=["status", "started_at"])]

    def __str__(self):
        period = self.year or _("hele termijn")
        return f"{self.stream.code} {period} v{self.version or '-'}"

    @property
    def source(self):
        """The version whose files this row serves: ``same_as`` for an unchanged request,
        else itself."""
        return self.same_as if self.same_as_id else self

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)
