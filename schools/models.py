"""School locations (vestigingen). The schools issue adds scans, needs and weights."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from portal.domain import Sector

location_code_validator = RegexValidator(
    r"^[0-9]{2}[A-Z]{2}[0-9]{2}$",
    _("Een vestigingscode is BRIN + vestigingsnummer, bijvoorbeeld 16SW03."),
)


class School(models.Model):
    """A school location: BRIN (2 digits + 2 letters) + vestigingsnummer (2 digits)."""

    municipality = models.ForeignKey("portal.Municipality", on_delete=models.PROTECT, related_name="schools")
    code = models.CharField(_("vestigingscode"), max_length=6, unique=True, validators=[location_code_validator])
    name = models.CharField(_("naam"), max_length=200)
    sector = models.CharField(_("sector"), max_length=3, choices=Sector.choices)
    board_number = models.CharField(_("bevoegd gezag"), max_length=5, blank=True)
    swv_code = models.CharField(_("samenwerkingsverband"), max_length=12, blank=True)
    street = models.CharField(_("straat"), max_length=200, blank=True)
    house_number = models.CharField(_("huisnummer"), max_length=20, blank=True)
    postcode = models.CharField(_("postcode"), max_length=7, blank=True)
    city = models.CharField(_("plaats"), max_length=100, blank=True)
    denomination = models.CharField(_("denominatie"), max_length=100, blank=True)
    pupil_count = models.PositiveIntegerField(_("aantal leerlingen"), null=True, blank=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["name", "code"]
        verbose_name = _("school")
        verbose_name_plural = _("scholen")
        indexes = [models.Index(fields=["municipality", "sector"])]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def brin(self):
        return self.code[:4]
