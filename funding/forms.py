"""Forms of the funding pages. They only parse input; the services validate and write."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.domain import Menukaart, Sector, Theme
from portal.fields import (
    AmountField,
    CodeChoiceField,
    CodeMultipleChoiceField,
    CountField,
    IdModelChoiceField,
)
from portal.formatting import format_number
from portal.limits import ModelLimitsFormMixin
from portal.records import RecordFields
from schools.models import School

from .models import Activity, Expenditure, FundingStream, Grant
from .services.activities import ActivityFields, funding_item
from .services.expenditures import ExpenditureFields
from .services.grants import GrantFields

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VersionedForm(ModelLimitsFormMixin, forms.ModelForm):
    """Carries the version the user started from, so a save on top of someone else's is refused.
    ``service_fields`` is the typed field set its service takes (issue 9 §5)."""

    service_fields: type[RecordFields]
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def fields_for_service(self) -> RecordFields:
        """The cleaned input as the service's field set (call after ``is_valid()``)."""
        return self.service_fields(**{name: self.cleaned_data[name] for name in self._meta.fields})


def lookup_url(municipality, kind: str) -> str:
    """The JSON lookup of ``kind`` (``grants``, ``activities``, ``schools``) for the pickers."""
    return reverse(f"funding:lookup_{kind}", kwargs={"municipality": municipality.slug})


def _none(model):
    # Querysets are set per request in __init__ (tenant scope); the scoped default manager would
    # refuse a query at import time.
    return model._base_manager.none()


def _not_negative(value):
    """Granted amounts are never negative; only expenditure lines can be credits (issue 13)."""
    if value is not None and value < 0:
        raise forms.ValidationError(_("Een toegekend bedrag kan niet negatief zijn."))


class GrantForm(VersionedForm):
    service_fields = GrantFields
    carried_from = CodeChoiceField(
        label=_("Overgeheveld uit"),
        queryset=_none(Grant),
        to_field_name="reference",
        required=False,
        help_text=_("Typ het kenmerk van de beschikking."),
    )

    class Meta:
        model = Grant
        fields = [
            "stream",
            "reference",
            "window_start",
            "window_end",
            "amount",
            "carry_over",
            "carried_from",
            "notes",
        ]
        field_classes = {
            "stream": IdModelChoiceField,
            "amount": AmountField,
            "carry_over": AmountField,
        }
        widgets = {"window_start": DATE, "window_end": DATE}

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["carried_from"].queryset = Grant.objects.filter(
            municipality=municipality
        ).exclude(pk=self.instance.pk)
        self.fields["carried_from"].widget.lookup_url = lookup_url(municipality, "grants")
        self.fields["stream"].queryset = FundingStream.objects.all()
        for name in ("amount", "carry_over"):
            self.fields[name].validators.append(_not_negative)


class ActivityForm(VersionedForm):
    service_fields = ActivityFields
    themes = forms.MultipleChoiceField(
        label=_("Thema's"), choices=Theme.choices, widget=forms.CheckboxSelectMultiple
    )
    sectors = forms.MultipleChoiceField(
        label=_("Sectoren"),
        choices=Sector.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Leeg: alle sectoren. Alleen van belang als u geen scholen kiest."),
    )
    # Typed location codes, not a checkbox per school of the municipality (issue 14 §1).
    schools = CodeMultipleChoiceField(
        label=_("Scholen"),
        queryset=_none(School),
        to_field_name="code",
        normalize=str.upper,
        required=False,
        help_text=_(
            "Vestigingscodes, gescheiden door komma's, bijvoorbeeld 16SW03, 16SW04. "
            "Leeg: alle scholen van de gemeente in de gekozen sectoren."
        ),
    )
    funding = forms.CharField(
        label=_("Financiering"),
        help_text=_(
            "Per stroom: STROOM of STROOM:bedrag, gescheiden door |, bijvoorbeeld NPO-GEM:200000|GOAB:150000"
        ),
    )

    class Meta:
        model = Activity
        fields = [
            "code",
            "name",
            "description",
            "themes",
            "sectors",
            "start",
            "end",
            "planned_cost",
            "menukaart",
            "partner",
        ]
        field_classes = {"planned_cost": AmountField}
        widgets = {"start": DATE, "end": DATE}

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schools"].queryset = School.objects.filter(municipality=municipality)
        self.fields["schools"].widget.lookup_url = lookup_url(municipality, "schools")
        if self.instance.pk:
            self.fields["schools"].initial = list(self.instance.schools.all())
            self.fields["funding"].initial = "|".join(
                f"{line.stream.code}:{format_number(line.amount)}"
                if line.amount is not None
                else line.stream.code
                for line in self.instance.funding_lines.select_related("stream")
            )

    def clean_funding(self):
        from portal import imports as im

        streams = {s.code: s for s in FundingStream.objects.all()}
        try:
            items = im.multi(funding_item)(self.cleaned_data["funding"])
        except im.ImportValueError as error:
            raise forms.ValidationError(str(error)) from None
        unknown = [code for code, _a in items if code not in streams]
        if unknown:
            raise forms.ValidationError(_("Onbekende stroom: %s") % ", ".join(unknown))
        return [(streams[code], amount) for code, amount in items]


class ExpenditureForm(VersionedForm):
    service_fields = ExpenditureFields
    # Typed codes with suggestions, not selects: the largest municipality has thousands of
    # activities and the page listed every one (issue 14 §1).
    grant = CodeChoiceField(
        label=_("Beschikking"),
        queryset=_none(Grant),
        to_field_name="reference",
        help_text=_("Typ het kenmerk van de beschikking."),
    )
    activity = CodeChoiceField(
        label=_("Activiteit"),
        queryset=_none(Activity),
        to_field_name="code",
        required=False,
        help_text=_("Typ de code van de activiteit."),
    )
    school = CodeChoiceField(
        label=_("School"),
        queryset=_none(School),
        to_field_name="code",
        normalize=str.upper,
        required=False,
        help_text=_("Typ de vestigingscode, bijvoorbeeld 16SW03."),
    )

    class Meta:
        model = Expenditure
        fields = [
            "booking_id",
            "grant",
            "date",
            "amount",
            "supplier",
            "invoice_number",
            "description",
            "activity",
            "school",
            "cost_category",
            "depreciation_months",
            "new_construction",
        ]
        field_classes = {"amount": AmountField, "depreciation_months": CountField}
        widgets = {"date": DATE}

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        querysets = {
            "grant": ("grants", Grant.objects.filter(municipality=municipality)),
            "activity": (
                "activities",
                Activity.objects.filter(municipality=municipality, owner_school__isnull=True),
            ),
            "school": ("schools", School.objects.filter(municipality=municipality)),
        }
        for name, (kind, queryset) in querysets.items():
            self.fields[name].queryset = queryset
            self.fields[name].widget.lookup_url = lookup_url(municipality, kind)


class ReviewForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Beoordeling"),
        choices=[
            ("justified", _("verantwoord")),
            ("resolved", _("opgelost")),
            ("open", _("heropenen")),
        ],
    )
    reason = forms.CharField(
        label=_("Toelichting"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class InterventionForm(forms.Form):
    """One of a school's own interventions in its draft scan
    (services.interventions.scan_intervention_save)."""

    name = forms.CharField(label=_("Naam van de interventie"), max_length=200)
    menukaart = forms.ChoiceField(label=_("Menukaart"), choices=Menukaart.choices)
    themes = forms.MultipleChoiceField(
        label=_("Thema's"), choices=Theme.choices, widget=forms.CheckboxSelectMultiple
    )
    stream = IdModelChoiceField(label=_("Financieringsstroom"), queryset=None)
    start = forms.DateField(label=_("Begin"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Einde"), widget=forms.DateInput(attrs={"type": "date"}))
    planned_cost = AmountField(
        label=_("Geplande kosten (€)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    partner = forms.CharField(label=_("Uitvoerende partner"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stream"].queryset = FundingStream.objects.all()

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("De einddatum ligt vóór de begindatum."))
        return data
