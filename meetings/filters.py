"""The chair's action list filters (django-filter)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.domain import Theme
from portal.filters import ModelChoiceFilter, sort_filter
from schools.models import School

from . import selectors
from .models import ActionItem


def _meetings(request):
    if request is None:
        return selectors.Meeting.objects.none()
    return selectors.meetings(access=request.access, user=request.user).order_by("-starts_at")


class ActionFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=ActionItem.Status.choices
    )
    owner = django_filters.CharFilter(label=_("Eigenaar"), method="filter_owner")
    organisation = django_filters.CharFilter(
        label=_("Organisatie"), field_name="owner_organisation", lookup_expr="icontains"
    )
    overdue = django_filters.BooleanFilter(
        label=_("Alleen te laat"), method="filter_overdue", widget=forms.CheckboxInput()
    )
    due_before = django_filters.DateFilter(
        label=_("Uiterlijk vóór"),
        field_name="due_date",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    theme = django_filters.ChoiceFilter(label=_("Thema"), choices=Theme.choices)
    meeting = ModelChoiceFilter(label=_("Overleg"), queryset=_meetings)
    school = ModelChoiceFilter(
        label=_("School"), field_name="schools", queryset=lambda r: School.objects.order_by("name")
    )
    ordering = sort_filter(
        ("due_date", "due_date", _("Uiterlijk")),
        ("status", "status", _("Status")),
        ("owner_organisation", "organisation", _("Organisatie")),
        ("meeting__starts_at", "meeting", _("Overleg")),
        ("created_at", "created", _("Aangemaakt")),
        label=_("Sorteren op"),
    )

    class Meta:
        model = ActionItem
        fields = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        access = getattr(request, "access", None)
        if access is not None and access.region is not None:
            # A coordinator sees the municipalities in aggregate only (roles.md): no list of
            # their schools (7,500 options for a region of 342 municipalities, issue 14 §1),
            # and regional actions link no school anyway.
            del self.filters["school"]

    def filter_owner(self, queryset, name, value):
        return queryset.filter(
            Q(owner_name__icontains=value)
            | Q(owner_user__first_name__icontains=value)
            | Q(owner_user__last_name__icontains=value)
            | Q(owner_user__email__icontains=value)
        )

    def filter_overdue(self, queryset, name, value):
        if value:
            return queryset.overdue(timezone.localdate())
        return queryset
