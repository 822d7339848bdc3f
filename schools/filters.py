"""Filters of the school list (django-filter)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.domain import Sector

from .models import School


class SchoolFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Zoeken"), method="search", help_text=_("naam, vestigingscode of plaats")
    )
    sector = django_filters.ChoiceFilter(
        label=_("Sector"), choices=Sector.choices, empty_label=_("alle sectoren")
    )
    board_number = django_filters.CharFilter(label=_("Bevoegd gezag"), lookup_expr="exact")

    class Meta:
        model = School
        fields = ["q", "sector", "board_number"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(name__icontains=value) | Q(code__iexact=value) | Q(city__icontains=value)
        )
