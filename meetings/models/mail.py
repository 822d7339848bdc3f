"""What the meetings app sends: the sent documents (agenda, minutes), the reminder digests and
the opt-outs of reminder mail."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import tenant_manager
from .meetings import Meeting


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
