"""What every meetings model builds on: the fail-closed tenant manager for records of a
municipality *or* a region, the tenant fields, the choices and the tenant-aware reverse."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes.manager import DisabledQuerySet
from django_scopes.state import get_scope

from portal.db import ChoiceLabels
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


def one_tenant(prefix: str):
    """The check that a record names a municipality or a region, never both or neither."""
    return models.CheckConstraint(
        name=f"{prefix}_one_tenant",
        condition=Q(municipality__isnull=False, region__isnull=True)
        | Q(municipality__isnull=True, region__isnull=False),
    )


class TenantFields(ChoiceLabels):
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
