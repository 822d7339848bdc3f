"""School locations (vestigingen), their schoolweging per school year, and the school scans:
needs per theme, documents and the review workflow. A scan's chosen interventions are the
funding app's (``funding.Activity.scans``, reverse ``scan.interventions``): schools does not
depend on funding (issue 9 §3)."""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from portal.domain import Sector, Severity, Theme

location_code_validator = RegexValidator(
    r"^[0-9]{2}[A-Z]{2}[0-9]{2}$",
    _("Een vestigingscode is BRIN + vestigingsnummer, bijvoorbeeld 16SW03."),
)


# What a school location's record holds besides its location code: what the DUO import
# (schools/imports/duo.py) writes and a policy officer may correct (schools.services).
SCHOOL_FIELDS = [
    "name",
    "sector",
    "board_number",
    "swv_code",
    "street",
    "house_number",
    "postcode",
    "city",
    "denomination",
    "pupil_count",
]


class School(models.Model):
    """A school location: BRIN (2 digits + 2 letters) + vestigingsnummer (2 digits)."""

    municipality = models.ForeignKey(
        "portal.Municipality", on_delete=models.PROTECT, related_name="schools"
    )
    code = models.CharField(
        _("vestigingscode"), max_length=6, unique=True, validators=[location_code_validator]
    )
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


class SchoolWeight(models.Model):
    """The CBS schoolweging of a school location in one school year (``import_schools --weights``)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="weights")
    school_year = models.CharField(_("schooljaar"), max_length=9)
    weight = models.DecimalField(_("schoolweging"), max_digits=6, decimal_places=2)
    pupil_count = models.PositiveIntegerField(_("aantal leerlingen"), null=True, blank=True)

    objects = ScopedManager(municipality="school__municipality")

    class Meta:
        ordering = ["school", "-school_year"]
        verbose_name = _("schoolweging")
        verbose_name_plural = _("schoolwegingen")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year"], name="uniq_school_weight_year"
            )
        ]

    def __str__(self):
        return f"{self.school.code} {self.school_year}: {self.weight}"


class Directorship(models.Model):
    """The school a school director's membership is for (one membership per school). Kept
    here, not on ``portal.Membership``, so that portal never depends on schools (issue 9 §3);
    portal asks through ``portal.directors`` (``schools/directors.py``)."""

    membership = models.OneToOneField(
        "portal.Membership",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="directorship",
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="directorships")

    class Meta:
        verbose_name = _("schooldirectie")
        verbose_name_plural = _("schooldirecties")

    def __str__(self):
        return f"{self.membership.user} – {self.school}"


class DirectorInvitation(models.Model):
    """The school an invitation for a school director is for (see :class:`Directorship`)."""

    invitation = models.OneToOneField(
        "portal.Invitation",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="directorship",
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("uitnodiging voor een schooldirectie")
        verbose_name_plural = _("uitnodigingen voor een schooldirectie")

    def __str__(self):
        return f"{self.invitation} – {self.school}"


def current_school_year(today=None) -> str:
    """The school year ``today`` falls in: ``"2023-2024"`` from 1 Aug 2023 to 31 Jul 2024."""
    import datetime

    today = today or datetime.date.today()
    first = today.year if today.month >= 8 else today.year - 1
    return f"{first}-{first + 1}"


def school_year_bounds(school_year: str):
    """``"2023-2024"`` -> (2023-08-01, 2024-07-31): a school year runs 1 Aug .. 31 Jul."""
    import datetime

    first, second = (int(part) for part in school_year.split("-"))
    if second != first + 1:
        raise ValueError(f"not a school year: {school_year!r}")
    return datetime.date(first, 8, 1), datetime.date(second, 7, 31)


school_year_validator = RegexValidator(
    r"^[0-9]{4}-[0-9]{4}$", _("Een schooljaar schrijft u als 2023-2024.")
)


class ScanQuerySet(models.QuerySet):
    def visible_to_municipality(self):
        """The municipality sees a scan only once submitted (or when it imported the needs)."""
        return self.filter(
            models.Q(status__in=[Scan.Status.SUBMITTED, Scan.Status.REVIEWED])
            | models.Q(source=Scan.Source.IMPORT)
        )


class Scan(models.Model):
    """A school's own analysis for one school year: needs per theme, chosen interventions
    (``interventions``: school-owned funding.Activity rows, the relation owned by funding) and
    the scan document(s). Workflow: draft ->
    submitted -> reviewed, or returned (back to draft, the comments kept)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("concept")
        SUBMITTED = "submitted", _("ingediend")
        REVIEWED = "reviewed", _("beoordeeld")

    class Source(models.TextChoices):
        FORM = "form", _("formulier")
        IMPORT = "import", _("import")

    # Denormalised from the school so the scan is scoped like every tenant record.
    municipality = models.ForeignKey(
        "portal.Municipality", on_delete=models.PROTECT, related_name="scans"
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="scans")
    school_year = models.CharField(
        _("schooljaar"), max_length=9, validators=[school_year_validator]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    source = models.CharField(_("bron"), max_length=10, choices=Source.choices, default=Source.FORM)
    created_at = models.DateTimeField(_("aangemaakt"), auto_now_add=True, null=True)
    updated_at = models.DateTimeField(_("gewijzigd"), auto_now=True, null=True)
    submitted_at = models.DateTimeField(_("ingediend op"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("beoordeeld op"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager(
        _manager_class=ScanQuerySet.as_manager().__class__, municipality="municipality"
    )

    class Meta:
        ordering = ["-school_year", "school__name"]
        verbose_name = _("schoolscan")
        verbose_name_plural = _("schoolscans")
        constraints = [
            models.UniqueConstraint(fields=["school", "school_year"], name="uniq_scan_school_year")
        ]

    def __str__(self):
        return f"{self.school} {self.school_year}"

    # A scan the municipality sent back is a draft again, with a "returned" comment. Lists show
    # it as "teruggestuurd" with the remark, so it never vanishes from the officer's view
    # (issue 10 §7). ``returned_remark`` is annotated by schools.selectors.scans().

    @property
    def is_returned(self) -> bool:
        if self.status != self.Status.DRAFT:
            return False
        if hasattr(self, "returned_remark"):
            return self.returned_remark is not None
        return self.comments.filter(kind=ScanComment.Kind.RETURNED).exists()

    @property
    def state(self) -> str:
        """``returned`` for a scan sent back, else the status."""
        return "returned" if self.is_returned else self.status

    @property
    def state_label(self) -> str:
        return str(_("teruggestuurd")) if self.is_returned else self.get_status_display()


class Need(models.Model):
    """A need per theme in a scan (severity none/limited/moderate/severe, share of pupils)."""

    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="needs")
    theme = models.CharField(_("thema"), max_length=30, choices=Theme.choices)
    severity = models.CharField(_("ernst"), max_length=10, choices=Severity.choices)
    share_of_pupils = models.DecimalField(
        _("aandeel leerlingen (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    note = models.TextField(_("toelichting"), blank=True)

    class Meta:
        ordering = ["scan", "theme"]
        verbose_name = _("behoefte")
        verbose_name_plural = _("behoeften")
        constraints = [models.UniqueConstraint(fields=["scan", "theme"], name="uniq_need_theme")]

    def __str__(self):
        return f"{self.scan} {self.theme}: {self.severity}"


class ScanComment(models.Model):
    """What the municipality wrote when it returned or reviewed a scan; kept for good, so a
    returned scan shows why it came back even after it is submitted again."""

    class Kind(models.TextChoices):
        RETURNED = "returned", _("teruggestuurd")
        REVIEWED = "reviewed", _("beoordeeld")

    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="comments")
    kind = models.CharField(_("soort"), max_length=10, choices=Kind.choices)
    text = models.TextField(_("opmerking"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("datum"), auto_now_add=True)

    objects = ScopedManager(municipality="scan__municipality")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("opmerking bij schoolscan")
        verbose_name_plural = _("opmerkingen bij schoolscans")

    def __str__(self):
        return f"{self.scan}: {self.get_kind_display()}"


def scan_document_path(instance, filename):
    """A random name on disk: nothing about the school, the year or the original file name
    can be guessed from it (the original name is stored and used on download)."""
    return f"scans/{uuid.uuid4().hex}"


class ScanDocument(models.Model):
    """One uploaded version of the scan document. Uploads never overwrite: each is a new
    version, the highest being the current one."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word (DOCX)"
        XLSX = "xlsx", "Excel (XLSX)"

    CONTENT_TYPES = {
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }

    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="documents")
    version = models.PositiveIntegerField(_("versie"))
    file = models.FileField(upload_to=scan_document_path, max_length=200)
    original_name = models.CharField(_("bestandsnaam"), max_length=255)
    kind = models.CharField(_("soort"), max_length=4, choices=Kind.choices)
    size = models.PositiveIntegerField(_("grootte (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("geüpload op"), auto_now_add=True)

    objects = ScopedManager(municipality="scan__municipality")

    class Meta:
        ordering = ["scan", "-version"]
        verbose_name = _("scandocument")
        verbose_name_plural = _("scandocumenten")
        constraints = [
            models.UniqueConstraint(fields=["scan", "version"], name="uniq_scan_document_version")
        ]

    def __str__(self):
        return f"{self.original_name} (v{self.version})"

    @property
    def content_type(self):
        return self.CONTENT_TYPES[self.kind]
