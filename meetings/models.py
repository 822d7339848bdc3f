"""LEA/OOGO meetings, agendas, decisions and action items followed up across meetings.

A meeting belongs to a municipality (LEA, OOGO) or to a region (kenniskring, G4, werksessie);
exactly one of the two is set. Meetings of a :class:`MeetingSeries` share standing agenda
items, and the open actions of a series are carried into the next meeting as a review block
(:class:`ActionReview`), where the chair records a status and a note per action.

Tenant isolation: django-scopes' ``ScopedManager`` filters on one field, but a regional meeting
has no municipality. :class:`TenantManager` therefore keeps the same fail-closed contract (no
scope active => ``ScopeError``) and, inside a scope of municipalities, yields the records of
those municipalities and of the regions that hold them. Selectors then narrow to the one
tenant of the page.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes.manager import DisabledQuerySet
from django_scopes.state import get_scope

from portal.domain import Theme
from portal.http import tenant_reverse
from portal.models import Region

MONEY = {"max_digits": 14, "decimal_places": 2}


class TenantManager(models.Manager):
    """Fail-closed manager for records of a municipality *or* a region.

    ``path`` (a class attribute, because Django builds related managers by subclassing the
    default manager and calling it without arguments) leads from the model to the fields
    ``municipality`` and ``region``, e.g. ``"meeting__"`` for agenda items."""

    path = ""

    def get_queryset(self):
        current = get_scope()
        if not current.get("_enabled", True):
            return super().get_queryset()
        if "municipality" not in current:
            return DisabledQuerySet(self.model, using=self._db, missing_scopes={"municipality"})
        value = current["municipality"]
        qs = super().get_queryset()
        if value is None:
            return qs
        ids = list(value) if isinstance(value, (list, tuple)) else [value]
        regions = Region.municipalities.through.objects.filter(municipality__in=ids).values(
            "region_id"
        )
        return qs.filter(
            Q(**{f"{self.path}municipality__in": ids}) | Q(**{f"{self.path}region__in": regions})
        )


def tenant_manager(path: str = "", queryset_class=None):
    base = TenantManager.from_queryset(queryset_class) if queryset_class else TenantManager
    return type(f"TenantManager_{path.replace('__', '_') or 'root'}", (base,), {"path": path})()


class MeetingType(models.TextChoices):
    LEA = "lea", _("LEA")
    OOGO = "oogo", _("OOGO")
    KENNISKRING = "kenniskring", _("kenniskring")
    BESTUURLIJK = "bestuurlijk", _("bestuurlijk overleg")
    WERKSESSIE = "werksessie", _("werksessie")
    OTHER = "other", _("overig")


class OrganisationType(models.TextChoices):
    MUNICIPALITY = "gemeente", _("gemeente")
    SCHOOL_BOARD = "schoolbestuur", _("schoolbestuur")
    SCHOOL = "school", _("school")
    SWV = "swv", _("samenwerkingsverband")
    CHILDCARE = "kinderopvang", _("kinderopvang")
    YOUTH_CARE = "jeugdhulp", _("jeugdhulp")
    LIBRARY = "bibliotheek", _("bibliotheek")
    GGD = "ggd", _("GGD")
    WELFARE = "welzijn", _("welzijn")
    OTHER = "overig", _("overig")


def meetings_reverse(name: str, tenant, **kwargs) -> str:
    """``meetings:<name>`` for ``tenant`` (a Municipality or a Region) through the one
    tenant-aware reverse (portal.http.tenant_reverse). A region's routes are named
    ``region_<name>`` and name their object kwargs ``region_<kwarg>``."""
    if isinstance(tenant, Region):
        return tenant_reverse(
            f"meetings:region_{name}", tenant, **{f"region_{k}": v for k, v in kwargs.items()}
        )
    return tenant_reverse(f"meetings:{name}", tenant, **kwargs)


def _one_tenant(prefix: str):
    return models.CheckConstraint(
        name=f"{prefix}_one_tenant",
        condition=Q(municipality__isnull=False, region__isnull=True)
        | Q(municipality__isnull=True, region__isnull=False),
    )


class TenantFields(models.Model):
    municipality = models.ForeignKey(
        "portal.Municipality",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("gemeente"),
    )
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("regio"),
    )

    class Meta:
        abstract = True

    @property
    def tenant(self):
        return self.municipality or self.region

    def tenant_url(self, name: str, **kwargs) -> str:
        """``meetings:<name>`` for this record's tenant (:func:`meetings_reverse`)."""
        return meetings_reverse(name, self.tenant, **kwargs)


class MeetingSeries(TenantFields):
    """Recurring meetings (the LEA of a municipality, a kenniskring) sharing standing items."""

    type = models.CharField(_("soort"), max_length=20, choices=MeetingType.choices)
    name = models.CharField(_("naam"), max_length=200)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("voorzitter"),
    )

    objects = tenant_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("overlegreeks")
        verbose_name_plural = _("overlegreeksen")
        constraints = [_one_tenant("series")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return self.tenant_url("series_detail", series_id=self.pk)


class StandingItem(models.Model):
    """An agenda item every next meeting of the series gets (e.g. the Onderwijskansenakkoord)."""

    series = models.ForeignKey(
        MeetingSeries, on_delete=models.CASCADE, related_name="standing_items"
    )
    order = models.PositiveSmallIntegerField(_("volgorde"), default=10)
    title = models.CharField(_("titel"), max_length=250)
    description = models.TextField(_("toelichting"), blank=True)
    presenter = models.CharField(_("inleider"), max_length=200, blank=True)

    objects = tenant_manager("series__")

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("vast agendapunt")
        verbose_name_plural = _("vaste agendapunten")

    def __str__(self):
        return self.title


class Meeting(TenantFields):
    class Status(models.TextChoices):
        PLANNED = "planned", _("gepland")
        HELD = "held", _("gehouden")

    series = models.ForeignKey(
        MeetingSeries,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
        verbose_name=_("reeks"),
    )
    type = models.CharField(_("soort"), max_length=20, choices=MeetingType.choices)
    title = models.CharField(_("titel"), max_length=250)
    starts_at = models.DateTimeField(_("begint"))
    ends_at = models.DateTimeField(_("eindigt"), null=True, blank=True)
    location = models.CharField(_("plaats"), max_length=250, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("voorzitter"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    minutes = models.TextField(_("verslag"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("overleg")
        verbose_name_plural = _("overleggen")
        constraints = [
            _one_tenant("meeting"),
            models.CheckConstraint(
                name="meeting_ends_after_start",
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "-starts_at"]),
            models.Index(fields=["region", "-starts_at"]),
        ]

    def __str__(self):
        return f"{self.title} ({timezone.localtime(self.starts_at):%d-%m-%Y})"

    def get_absolute_url(self):
        return self.tenant_url("meeting_detail", meeting_id=self.pk)

    @property
    def end(self):
        return self.ends_at or self.starts_at + datetime.timedelta(hours=2)


class Participant(models.Model):
    """Someone taking part: a portal user, or an external person by organisation."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="meeting_participations",
        verbose_name=_("gebruiker van het portaal"),
    )
    name = models.CharField(_("naam of functie"), max_length=200, blank=True)
    organisation = models.CharField(_("organisatie"), max_length=200, blank=True)
    organisation_type = models.CharField(
        _("soort organisatie"),
        max_length=20,
        choices=OrganisationType.choices,
        default=OrganisationType.OTHER,
    )
    email = models.EmailField(_("e-mailadres"), blank=True)

    objects = tenant_manager("meeting__")

    class Meta:
        ordering = ["organisation", "name", "id"]
        verbose_name = _("deelnemer")
        verbose_name_plural = _("deelnemers")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=Q(user__isnull=False),
                name="uniq_participant_user",
            ),
            models.CheckConstraint(
                name="participant_user_or_name", condition=Q(user__isnull=False) | ~Q(name="")
            ),
        ]

    def __str__(self):
        who = str(self.user) if self.user_id else self.name
        return f"{who} ({self.organisation})" if self.organisation else who


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    order = models.PositiveSmallIntegerField(_("volgorde"), default=10)
    title = models.CharField(_("titel"), max_length=250)
    description = models.TextField(_("toelichting"), blank=True)
    presenter = models.CharField(_("inleider"), max_length=200, blank=True)
    time = models.TimeField(_("tijd"), null=True, blank=True)
    standing_item = models.ForeignKey(
        StandingItem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("vast agendapunt"),
    )
    schools = models.ManyToManyField(
        "schools.School", blank=True, related_name="+", verbose_name=_("scholen")
    )
    activities = models.ManyToManyField(
        "funding.Activity", blank=True, related_name="+", verbose_name=_("activiteiten")
    )
    grants = models.ManyToManyField(
        "funding.Grant", blank=True, related_name="+", verbose_name=_("beschikkingen")
    )

    objects = tenant_manager("meeting__")

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("agendapunt")
        verbose_name_plural = _("agendapunten")

    def __str__(self):
        return self.title


class Decision(models.Model):
    """What was decided on an agenda item, possibly committing money to an activity or grant."""

    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("besluit"))
    amount = models.DecimalField(_("bedrag"), null=True, blank=True, **MONEY)
    activity = models.ForeignKey(
        "funding.Activity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("activiteit"),
    )
    grant = models.ForeignKey(
        "funding.Grant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("beschikking"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = tenant_manager("agenda_item__meeting__")

    class Meta:
        ordering = ["id"]
        verbose_name = _("besluit")
        verbose_name_plural = _("besluiten")

    def __str__(self):
        return self.text[:80]


class ActionItemQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=ActionItem.OPEN_STATUSES)

    def overdue(self, today=None):
        return self.open().filter(due_date__lt=today or timezone.localdate())

    def due_within(self, days: int, today=None):
        """Open actions due within ``days`` days or already overdue."""
        today = today or timezone.localdate()
        return self.open().filter(due_date__lte=today + datetime.timedelta(days=days))


class ActionItem(TenantFields):
    """An agreed action (actiepunt) with an owner inside or outside the portal."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        IN_PROGRESS = "in_progress", _("in uitvoering")
        DONE = "done", _("afgerond")
        CANCELLED = "cancelled", _("vervallen")

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.PROTECT,
        related_name="actions",
        verbose_name=_("overleg van herkomst"),
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
        verbose_name=_("agendapunt"),
    )
    description = models.TextField(_("omschrijving"))
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meeting_actions",
        verbose_name=_("eigenaar (gebruiker van het portaal)"),
    )
    owner_name = models.CharField(_("eigenaar (naam of functie)"), max_length=200, blank=True)
    owner_organisation = models.CharField(
        _("organisatie van de eigenaar"), max_length=200, blank=True
    )
    owner_email = models.EmailField(_("e-mailadres van de eigenaar"), blank=True)
    due_date = models.DateField(_("uiterlijk"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    theme = models.CharField(_("thema"), max_length=30, choices=Theme.choices, blank=True)
    schools = models.ManyToManyField(
        "schools.School", blank=True, related_name="+", verbose_name=_("scholen")
    )
    activities = models.ManyToManyField(
        "funding.Activity", blank=True, related_name="+", verbose_name=_("activiteiten")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_manager("", ActionItemQuerySet)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("actiepunt")
        verbose_name_plural = _("actiepunten")
        constraints = [_one_tenant("action")]
        indexes = [
            models.Index(fields=["municipality", "status", "due_date"]),
            models.Index(fields=["region", "status", "due_date"]),
        ]

    def __str__(self):
        return self.description[:80]

    def get_absolute_url(self):
        return self.tenant_url("action_detail", action_id=self.pk)

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self):
        return self.is_open and self.due_date is not None and self.due_date < timezone.localdate()

    @property
    def owner_display(self):
        who = str(self.owner_user) if self.owner_user_id else self.owner_name
        if self.owner_organisation:
            return f"{who} ({self.owner_organisation})" if who else self.owner_organisation
        return who

    @property
    def owner_address(self) -> str:
        """Where reminders go: the portal user's address, or the external owner's."""
        if self.owner_user_id:
            return self.owner_user.email.lower()
        return (self.owner_email or "").lower()

    @property
    def is_external(self):
        return not self.owner_user_id


class ActionReview(models.Model):
    """An open action carried into a later meeting: what the chair recorded about it there."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="reviews")
    action = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="reviews")
    status = models.CharField(
        _("status in dit overleg"), max_length=20, choices=ActionItem.Status.choices, blank=True
    )
    note = models.TextField(_("toelichting"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_manager("meeting__")

    class Meta:
        ordering = ["action__due_date", "action_id"]
        verbose_name = _("bespreking van een actiepunt")
        verbose_name_plural = _("besprekingen van actiepunten")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "action"], name="uniq_review_per_meeting")
        ]

    def __str__(self):
        return f"{self.action} @ {self.meeting}"


class ProgressNote(models.Model):
    """A dated note on an action, by a portal user or by the external owner (signed link)."""

    action = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="notes")
    created_at = models.DateTimeField(default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(_("auteur"), max_length=200, blank=True)
    text = models.TextField(_("voortgang"))
    status = models.CharField(
        _("nieuwe status"), max_length=20, choices=ActionItem.Status.choices, blank=True
    )

    objects = tenant_manager("action__")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("voortgangsnotitie")
        verbose_name_plural = _("voortgangsnotities")

    def __str__(self):
        return self.text[:80]

    @property
    def author_display(self):
        return str(self.author) if self.author_id else self.author_name


def attachment_path(instance, filename):
    return f"meetings/{instance.meeting_id}/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class Attachment(models.Model):
    """A meeting document; stored privately and served only through a permission-checked view."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("bestand"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("naam"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = tenant_manager("meeting__")

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("bijlage")
        verbose_name_plural = _("bijlagen")

    def __str__(self):
        return self.name


def sent_document_path(instance, filename):
    return f"meetings/{instance.meeting_id}/verstuurd/{filename}"


class SentDocument(models.Model):
    """An agenda or minutes PDF as it was sent to the participants: stored with its SHA-256 and
    served as it was. Sending again (a correction) makes the next version; earlier versions stay
    downloadable (issue 10 §4)."""

    class Kind(models.TextChoices):
        AGENDA = "agenda", _("agenda")
        MINUTES = "minutes", _("verslag")

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="sent_documents")
    kind = models.CharField(_("soort"), max_length=10, choices=Kind.choices)
    version = models.PositiveIntegerField(_("versie"))
    file = models.FileField(_("bestand"), upload_to=sent_document_path, max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    sent_at = models.DateTimeField(_("verstuurd op"), default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipients = models.PositiveIntegerField(_("aantal ontvangers"), default=0)

    objects = tenant_manager("meeting__")

    class Meta:
        ordering = ["kind", "-version"]
        verbose_name = _("verstuurd document")
        verbose_name_plural = _("verstuurde documenten")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "kind", "version"], name="uniq_sent_document_version"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version}"


class SentDigest(models.Model):
    """One reminder e-mail per recipient, kind and ISO week: the unique constraint is what makes
    the weekly job idempotent (a second run, or a redelivered task, finds the row and skips)."""

    class Kind(models.TextChoices):
        OWNER = "owner", _("actiepunten van de eigenaar")
        CHAIR = "chair", _("samenvatting voor de voorzitter")

    recipient = models.EmailField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    iso_year = models.PositiveSmallIntegerField()
    iso_week = models.PositiveSmallIntegerField()
    action_count = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "iso_year", "iso_week"], name="uniq_digest_per_week"
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.recipient} {self.iso_year}-W{self.iso_week:02d}"


class ReminderOptOut(models.Model):
    """An external owner who unsubscribed from reminders (through the signed link in them)."""

    email = models.EmailField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.email
