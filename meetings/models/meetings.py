"""Meetings, their series with standing items, participants, agenda items, decisions and
attachments."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import MONEY, MeetingType, OrganisationType, TenantFields, one_tenant, tenant_manager


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
        constraints = [one_tenant("series")]

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
            one_tenant("meeting"),
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
