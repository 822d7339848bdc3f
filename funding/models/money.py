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
# A sum of many lines (a finding's duplicate or overspent money): one line holds at most
# 999.999.999.999,99, and a million of them must still fit (issue 13 §2: sums overflowed).
MONEY_SUM = {"max_digits": 24, "decimal_places": 2}

_KEY_STRIP = re.compile(r"[\s./\-]+")
# Format characters (zero-width space and joiners, bidi marks, soft hyphen): invisible.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
# Cyrillic and Greek letters that look like Latin ones (the Unicode confusables of a-z, both
# cases, the subset that occurs in names typed with another keyboard layout). Mapped case by
# case before case folding: an upper-case Greek eta looks like H, a lower-case one like n.
_LOOKALIKES = {
    # lower case: a b c d e f g h i j k l m n o p q r s t u v w x y
    "а": "a", "α": "a", "ь": "b", "с": "c", "ϲ": "c", "ԁ": "d", "е": "e", "ҽ": "e",
    "ϝ": "f", "ԍ": "g", "һ": "h", "і": "i", "ι": "i", "ј": "j", "ϳ": "j", "к": "k",
    "κ": "k", "ӏ": "l", "м": "m", "η": "n", "о": "o", "ο": "o", "σ": "o", "р": "p",
    "ρ": "p", "ԛ": "q", "г": "r", "ѕ": "s", "т": "t", "τ": "t", "υ": "u", "ν": "v",
    "ѵ": "v", "ԝ": "w", "ѡ": "w", "ω": "w", "х": "x", "χ": "x", "у": "y", "γ": "y",
    "ү": "y",
    # upper case: A B C E F G H I J K M N O P Q S T V W X Y Z
    "А": "A", "Α": "A", "В": "B", "Β": "B", "Ь": "b", "С": "C", "Ϲ": "C", "Е": "E",
    "Ε": "E", "Ϝ": "F", "Ԍ": "G", "Н": "H", "Η": "H", "Һ": "H", "І": "I", "Ι": "I",
    "Ӏ": "I", "Ј": "J", "Ϳ": "J", "К": "K", "Κ": "K", "М": "M", "Μ": "M", "Ν": "N",
    "О": "O", "Ο": "O", "Р": "P", "Ρ": "P", "Ԛ": "Q", "Ѕ": "S", "Т": "T", "Τ": "T",
    "Ѵ": "V", "Ԝ": "W", "Х": "X", "Χ": "X", "У": "Y", "Υ": "Y", "Ү": "Y", "Ζ": "Z",
}  # fmt: skip
_CONFUSABLES = str.maketrans(_LOOKALIKES)
# After folding, what is left upper-cased (a lower-case Cyrillic "в" became "В" in the keys
# stored before, and still compares as B).
_UPPER_CONFUSABLES = str.maketrans(
    "АВЕЅІЈКМНОРСТУХԚԜҮΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "ABESIJKMHOPCTYXQWYABEZHIKMNOPTYX",
)


def normalise_key(value: str) -> str:
    """Compare suppliers and invoice numbers the way checks.md says: trimmed, upper-cased,
    without spaces, dots, dashes and slashes (``SB/2023/77`` == ``sb-2023-77``), and folded so
    that look-alikes compare equal (issue 13 §2): invisible format characters dropped,
    compatibility forms by NFKC (``ﬁ`` = ``fi``, full-width letters), Cyrillic and Greek
    look-alikes of every Latin letter mapped to it (a Cyrillic ``а`` in a supplier name does
    not escape the F1 check), then case folding (``ß`` = ``ss``). Returns the upper-case key
    (the stored ``supplier_key``/``invoice_key``); an empty or None value gives ``""``."""
    # Look-alikes are mapped before NFKC too, which turns some into others (a lunate sigma
    # that looks like c would become a final sigma).
    folded = _INVISIBLE.sub("", value or "").translate(_CONFUSABLES)
    folded = unicodedata.normalize("NFKC", folded).translate(_CONFUSABLES)
    folded = unicodedata.normalize("NFKC", folded.casefold())
    return _KEY_STRIP.sub("", folded.strip().upper().translate(_UPPER_CONFUSABLES))


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

    # The foreign keys carry no index of their own where a composite index below starts with
    # them (municipality, grant) or where most lines leave them empty (activity, school,
    # sign-off: partial indexes): each index costs every imported line its upkeep (issue 14 §5).
    municipality = models.ForeignKey(
        "portal.Municipality",
        on_delete=models.PROTECT,
        related_name="expenditures",
        db_index=False,
    )
    booking_id = models.CharField(_("boekingsnummer"), max_length=50)
    grant = models.ForeignKey(
        Grant,
        on_delete=models.PROTECT,
        related_name="expenditures",
        verbose_name=_("beschikking"),
        db_index=False,
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
        db_index=False,
    )
    school = models.ForeignKey(
        "schools.School",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="expenditures",
        verbose_name=_("school"),
        db_index=False,
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
        db_index=False,
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
            *(
                models.Index(
                    fields=[name],
                    condition=models.Q(**{f"{name}__isnull": False}),
                    name=f"funding_exp_{name}_set",
                )
                for name in ("activity", "school", "signed_off_by")
            ),
        ]

    def __str__(self):
        return self.booking_id
