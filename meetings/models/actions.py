"""Action items followed up across meetings: the review per meeting and the progress notes."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.db import ChoiceLabels
from portal.domain import Theme

from .base import TenantFields, one_tenant, tenant_manager
from .meetings import AgendaItem, Meeting


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
        constraints = [one_tenant("action")]
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


class ActionReview(ChoiceLabels):
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
