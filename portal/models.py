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

    email = models.EmailField(_("e-mailadres"))
    role = models.CharField(_("rol"), max_length=32, choices=Role.choices)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
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
