"""django-filter filter sets of the funding lists (GET parameters; the exports use the same)."""

import django_filters as df
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.domain import Theme
from portal.filters import ModelChoiceFilter, sort_filter

from .models import Activity, Expenditure, Finding, FundingStream, Grant


def _streams(request):
    return FundingStream.objects.all()


class GrantFilter(df.FilterSet):
    stream = ModelChoiceFilter(queryset=_streams, label=_("Stroom"), empty_label=_("alle"))
    q = df.CharFilter(method="search", label=_("Zoek kenmerk"))
    sort = sort_filter(
        ("reference", "reference", _("Kenmerk")),
        ("stream__code", "stream", _("Stroom")),
        ("window_end", "window_end", _("Einde bestedingstermijn")),
        ("amount", "amount", _("Bedrag")),
        ("spent", "spent", _("Besteed")),
    )

    class Meta:
        model = Grant
        fields = ["stream"]

    def search(self, queryset, name, value):
        return queryset.filter(reference__icontains=value)


class ActivityFilter(df.FilterSet):
    stream = ModelChoiceFilter(
        queryset=_streams,
        field_name="funding_lines__stream",
        label=_("Stroom"),
        empty_label=_("alle"),
    )
    theme = df.ChoiceFilter(
        choices=Theme.choices, method="by_theme", label=_("Thema"), empty_label=_("alle")
    )
    owner = df.ChoiceFilter(
        choices=[("municipality", _("gemeente")), ("school", _("school"))],
        method="by_owner",
        label=_("Eigenaar"),
        empty_label=_("alle"),
    )
    q = df.CharFilter(method="search", label=_("Zoek code of naam"))
    sort = sort_filter(
        ("code", "code", _("Code")),
        ("name", "name", _("Naam")),
        ("start", "start", _("Begin")),
        ("end", "end", _("Einde")),
        ("planned_cost", "planned_cost", _("Geplande kosten")),
    )

    class Meta:
        model = Activity
        fields = []

    def by_theme(self, queryset, name, value):
        # JSON lists are matched as text: the list holds quoted codes, so '"taal"' is exact.
        return queryset.filter(themes__icontains=f'"{value}"')

    def by_owner(self, queryset, name, value):
        return queryset.filter(owner_school__isnull=(value == "municipality"))

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


class ExpenditureFilter(df.FilterSet):
    stream = ModelChoiceFilter(
        queryset=_streams, field_name="grant__stream", label=_("Stroom"), empty_label=_("alle")
    )
    grant = df.CharFilter(field_name="grant__reference", label=_("Beschikking (kenmerk)"))
    date_from = df.DateFilter(field_name="date", lookup_expr="gte", label=_("Vanaf datum"))
    date_to = df.DateFilter(field_name="date", lookup_expr="lte", label=_("Tot en met datum"))
    signoff = df.ChoiceFilter(
        choices=[("waiting", _("wacht op aftekening")), ("done", _("afgetekend"))],
        method="by_signoff",
        label=_("Aftekening"),
        empty_label=_("alle"),
    )
    q = df.CharFilter(method="search", label=_("Zoek boeking, leverancier of factuur"))
    sort = sort_filter(
        ("date", "date", _("Datum")),
        ("booking_id", "booking_id", _("Boeking")),
        ("amount", "amount", _("Bedrag")),
        ("supplier", "supplier", _("Leverancier")),
    )

    class Meta:
        model = Expenditure
        fields = []

    def by_signoff(self, queryset, name, value):
        if value == "done":
            return queryset.filter(signed_off_at__isnull=False)
        return queryset.filter(signed_off_at__isnull=True, depreciation_months__gt=0)

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(booking_id__icontains=value)
            | Q(supplier__icontains=value)
            | Q(invoice_number__icontains=value)
        )


class FindingFilter(df.FilterSet):
    rule = df.ChoiceFilter(choices=Finding.Rule.choices, label=_("Regel"), empty_label=_("alle"))
    severity = df.ChoiceFilter(
        choices=Finding.Severity.choices, label=_("Ernst"), empty_label=_("alle")
    )
    status = df.ChoiceFilter(
        choices=Finding.Status.choices, label=_("Status"), empty_label=_("alle")
    )
    stream = ModelChoiceFilter(
        queryset=_streams, field_name="streams", label=_("Stroom"), empty_label=_("alle")
    )
    school = df.CharFilter(
        field_name="school__code", lookup_expr="iexact", label=_("School (vestigingscode)")
    )
    theme = df.ChoiceFilter(choices=Theme.choices, label=_("Thema"), empty_label=_("alle"))

    class Meta:
        model = Finding
        fields = ["rule", "severity", "status", "stream", "school", "theme"]
