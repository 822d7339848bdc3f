"""Tenancy, people and the audit trail.

Every record of the portal belongs to one :class:`Municipality` (the tenant), directly or through
a school. Users reach a tenant only through a :class:`Membership`.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from .imports.registry import kind_label


class UserManager(DjangoUserManager):
    """Users log in by e-mail address; there is no username."""

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    email = models.EmailField(_("e-mailadres"), unique=True)
    organisation = models.CharField(_("organisatie"), max_length=200, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")

    def __str__(self):
        return self.get_full_name() or self.email


class Municipality(models.Model):
    code = models.CharField(
        _("CBS-code"),
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^GM[0-9]{4}$", _("Een CBS-code ziet eruit als GM0363."))],
    )
    name = models.CharField(_("naam"), max_length=200)
    slug = models.SlugField(_("korte naam in de URL"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("gemeente")
        verbose_name_plural = _("gemeenten")

    def __str__(self):
        return f"{self.name} ({self.code})"


class CbsMunicipality(models.Model):
    """CBS reference data: a municipality in force (portal/reference_data/cbs_gemeenten.csv,
    loaded by a migration, refreshed by ``update_cbs_gemeenten``). Names of municipalities
    always come from here, never from an imported file (issue 11, section 2)."""

    code = models.CharField(_("CBS-code"), max_length=6, unique=True)
    name = models.CharField(_("naam"), max_length=200)
    province = models.CharField(_("provincie"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("CBS-gemeente")
        verbose_name_plural = _("CBS-gemeenten")

    def __str__(self):
        return f"{self.name} ({self.code})"


class CbsReorganisation(models.Model):
    """CBS reference data: a municipality abolished on ``date`` (a herindeling); one row per
    successor, so a municipality split over several has several rows."""

    date = models.DateField(_("datum"))
    old_code = models.CharField(_("oude CBS-code"), max_length=6)
    old_name = models.CharField(_("oude naam"), max_length=200)
    new_code = models.CharField(_("nieuwe CBS-code"), max_length=6)
    new_name = models.CharField(_("nieuwe naam"), max_length=200)

    class Meta:
        ordering = ["date", "old_code", "new_code"]
        verbose_name = _("gemeentelijke herindeling")
        verbose_name_plural = _("gemeentelijke herindelingen")
        constraints = [
            models.UniqueConstraint(fields=["old_code", "new_code"], name="uniq_cbs_reorganisation")
        ]

    def __str__(self):
        return f"{self.old_code} -> {self.new_code} ({self.date})"


class Region(models.Model):
    """A named group of municipalities (kenniskring, G4, regio) for aggregate comparison."""

    name = models.CharField(_("naam"), max_length=200)
    slug = models.SlugField(_("korte naam in de URL"), max_length=100, unique=True)
    municipalities = models.ManyToManyField(Municipality, related_name="regions", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("regio")
        verbose_name_plural = _("regio's")

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    POLICY_OFFICER = "policy_officer", _("beleidsmedewerker")
    SCHOOL_DIRECTOR = "school_director", _("schooldirecteur")
    LEA_CHAIR = "lea_chair", _("voorzitter LEA/OOGO")
    ACCOUNTANT = "accountant", _("accountant")
    REGIONAL_COORDINATOR = "regional_coordinator", _("regiocoördinator")


# Roles that must have TOTP set up before they see any data (roles.md).
ROLES_REQUIRING_2FA = {Role.POLICY_OFFICER, Role.ACCOUNTANT, Role.REGIONAL_COORDINATOR}


class MembershipQuerySet(models.QuerySet):
    def for_municipality(self, municipality):
        """Memberships that give access to ``municipality``: in it (school directors too), or
        through a region that holds it."""
        return self.filter(Q(municipality=municipality) | Q(region__municipalities=municipality))


class Membership(models.Model):
    """A user's role in one municipality or one region (coordinators).

    A school director's membership is for one school of the municipality: the schools app
    records which (``schools.Directorship``; portal asks through :mod:`portal.directors`), so
    a director has one membership per school.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("rol"), max_length=32, choices=Role.choices)
    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("lidmaatschap")
        verbose_name_plural = _("lidmaatschappen")
        constraints = [
            # Coordinators belong to a region, everyone else (directors too) to a
            # municipality; exactly one of the two is set.
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    Q(
                        role=Role.REGIONAL_COORDINATOR,
                        region__isnull=False,
                        municipality__isnull=True,
                    )
                    | Q(
                        role__in=[
                            Role.SCHOOL_DIRECTOR,
                            Role.POLICY_OFFICER,
                            Role.LEA_CHAIR,
                            Role.ACCOUNTANT,
                        ],
                        municipality__isnull=False,
                        region__isnull=True,
                    )
                ),
            ),
            # A director has one membership per school (the schools app keeps one per user
            # and school), so possibly several in one municipality.
            models.UniqueConstraint(
                fields=["user", "role", "municipality"],
                condition=~Q(role=Role.SCHOOL_DIRECTOR),
                name="uniq_membership_municipality",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region"], name="uniq_membership_region"
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} – {self.municipality or self.region}"


class Invitation(models.Model):
    """An invitation by a policy officer (or staff) into a municipality with a role; a school
    director's school is recorded by the schools app (``schools.DirectorInvitation``).

    Accepting it creates the account (or adds the membership to an existing one) and the
    membership; the link works once and expires after ``INVITATION_MAX_AGE_DAYS``.
    """

    class MailStatus(models.TextChoices):
        QUEUED = "queued", _("wacht op verwerking")
        SENT = "sent", _("verstuurd")
        FAILED = "failed", _("niet verstuurd")

    email = models.EmailField(_("e-mailadres"))
    role = models.CharField(_("rol"), max_length=32, choices=Role.choices)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The mail's fate, kept on the invitation itself so the members page reads it without
    # looking at jobs: set by portal.services.invitation_send (sent) and by the give-up handler
    # of the mail job (failed, with the Dutch reason in ``mail_error``; portal.apps).
    mail_status = models.CharField(
        _("e-mail"), max_length=16, choices=MailStatus.choices, default=MailStatus.QUEUED
    )
    mail_error = models.CharField(_("reden"), max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("uitnodiging")
        verbose_name_plural = _("uitnodigingen")

    def __str__(self):
        return f"{self.email} ({self.get_role_display()})"


class AuditEvent(models.Model):
    """Who changed what and when. Written by the write services, never by signals, so that
    an event carries the acting user and the reason (product.md, capability 9)."""

    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(_("actie"), max_length=64)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=255)
    changes = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["municipality", "-created_at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]
        verbose_name = _("auditgebeurtenis")
        verbose_name_plural = _("audittrail")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_repr}"


class Job(models.Model):
    """One background job of any kind (report, check run, import, mail): the transactional
    outbox of :func:`portal.jobs.enqueue`. The row is written in the caller's transaction, so
    a job exists exactly when the data it works on exist; the Celery message is only a wake-up
    call. A worker claims the row under a lock before running (a redelivered or re-sent
    message finds it claimed or done and does nothing), beats a heartbeat while it runs, and
    :func:`portal.jobs.jobs_sweep` re-sends queued jobs whose message was lost (broker down)
    and re-queues running jobs whose heartbeat stopped (worker killed)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("wacht op verwerking")
        RUNNING = "running", _("bezig")
        DONE = "done", _("klaar")
        FAILED = "failed", _("mislukt")

    task = models.CharField(_("taak"), max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("pogingen"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # The job may not start before this moment (a countdown, such as the checks' coalescing).
    not_before = models.DateTimeField()
    # When the last wake-up message went to the broker (empty: never, e.g. Redis was down).
    sent_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "heartbeat_at"])]
        verbose_name = _("achtergrondtaak")
        verbose_name_plural = _("achtergrondtaken")

    def __str__(self):
        return f"{self.task} #{self.pk} ({self.status})"


class CacheEntry(models.Model):
    """The table of the database cache (Django's DatabaseCache layout), used while Redis is
    unreachable (portal.cache.FallbackRedisCache): rate limits and used TOTP codes then stay
    shared between web processes instead of living in one process, or answering a 500."""

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "portal_cache"
        verbose_name = _("cachewaarde")
        verbose_name_plural = _("cachewaarden")

    def __str__(self):
        return self.cache_key


class ImportJob(models.Model):
    """A browser import running as a background job (house style: a job the user waits for
    has a row the page polls), for every kind of import (portal.imports.registry). A large
    upload is first checked by a job (``check_only``; ends ``checked`` with a preview, or
    ``failed`` with the errors), then confirmed and imported by the same row. The file waits
    in private storage until the import has run; the import itself is all-or-nothing, so a
    job redelivered after a worker died simply runs again."""

    class Status(models.TextChoices):
        PENDING = "pending", _("wacht")
        RUNNING = "running", _("bezig")
        CHECKED = "checked", _("gecontroleerd")
        DONE = "done", _("klaar")
        FAILED = "failed", _("mislukt")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("soort"), max_length=20)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    path = models.CharField(max_length=200)
    filename = models.CharField(_("bestandsnaam"), max_length=255)
    options = models.JSONField(default=dict, blank=True)
    #: Only check the file (a dry run with a preview); the user confirms the import after.
    check_only = models.BooleanField(default=False)
    #: The first rows as read (check jobs), for the preview table.
    preview = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    #: Data rows read so far (updated while the job reads the file).
    progress = models.PositiveIntegerField(default=0)
    summary = models.CharField(_("resultaat"), max_length=300, blank=True)
    errors = models.JSONField(default=list, blank=True)
    #: What the user must know although nothing failed: rows of other municipalities skipped
    #: and counted, merged municipality codes mapped, schools that moved (issue 11).
    notices = models.JSONField(_("meldingen"), default=list, blank=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("importtaak")
        verbose_name_plural = _("importtaken")

    def __str__(self):
        return f"{self.kind}: {self.filename}"

    @property
    def finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def waiting_for_user(self):
        """Checked, waiting for the confirm: the page stops polling."""
        return self.status == self.Status.CHECKED

    def get_kind_display(self):
        """The Dutch name of the kind, from the registry of imports (portal.imports.registry)."""
        return kind_label(self.kind)


def _export_upload_to(instance, filename):
    # Private storage (no MEDIA_URL): served only by the checked download view.
    return f"exports/{instance.municipality.code}/{filename}"


class ExportJob(models.Model):
    """An XLSX export too large to build in the request (issue 14 §4: more than
    ``PORTAL_EXPORT_XLSX_JOB_ROWS`` rows), built by a background job (portal.exports): the page
    shows its progress, then a download. It records the list's path and query string, and the
    job runs that same list view again for the user who asked (with their access as it is
    then), so the file holds exactly the rows of the direct download. Only that user, still
    holding the list's permission in this municipality, may see or download it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("wacht op verwerking")
        RUNNING = "running", _("bezig")
        DONE = "done", _("klaar")
        FAILED = "failed", _("mislukt")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    #: The list page (its URL path) and the filters (its query string) of the export.
    path = models.CharField(max_length=500)
    query = models.TextField(blank=True)
    #: The download's file name without ``.xlsx``, and the sheet's title.
    name = models.CharField(_("bestandsnaam"), max_length=200)
    sheet_title = models.CharField(max_length=31, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    #: Rows counted when asked (the progress bar's maximum) and rows written so far.
    rows = models.PositiveIntegerField(_("regels"), default=0)
    progress = models.PositiveIntegerField(_("geschreven regels"), default=0)
    file = models.FileField(upload_to=_export_upload_to, blank=True, max_length=300)
    error = models.TextField(_("foutmelding"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("exporttaak")
        verbose_name_plural = _("exporttaken")

    def __str__(self):
        return f"{self.name}.xlsx ({self.status})"

    @property
    def finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self):
        """Rows written as a whole percentage of the rows counted (0-100)."""
        return min(100, self.progress * 100 // self.rows) if self.rows else 0
