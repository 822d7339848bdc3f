"""Forms of the funding pages. They only parse input; the services validate and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.domain import Menukaart, Sector, Theme
from portal.fields import AmountField, CountField, IdModelChoiceField, IdModelMultipleChoiceField
from portal.formatting import format_number
from portal.limits import ModelLimitsFormMixin
from schools.models import School

from .models import Activity, Expenditure, FundingStream, Grant

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VersionedForm(ModelLimitsFormMixin, forms.ModelForm):
    """Carries the version the user started from, so a save on top of someone else's is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def data_for_service(self):
        return {k: v for k, v in self.cleaned_data.items() if k in self._meta.fields}


def _none(model):
    # Querysets are set per request in __init__ (tenant scope); the scoped default manager would
    # refuse a query at import time.
    return model._base_manager.none()


def _not_negative(value):
    """Granted amounts are never negative; only expenditure lines can be credits (issue 13)."""
    if value is not None and value < 0:
        raise forms.ValidationError(_("Een toegekend bedrag kan niet negatief zijn."))


class GrantForm(VersionedForm):
    carried_from = IdModelChoiceField(
        label=_("Overgeheveld uit"), queryset=_none(Grant), required=False
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
        self.fields["stream"].queryset = FundingStream.objects.all()
        for name in ("amount", "carry_over"):
            self.fields[name].validators.append(_not_negative)


class ActivityForm(VersionedForm):
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
    schools = IdModelMultipleChoiceField(
        label=_("Scholen"),
        queryset=_none(School),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leeg: alle scholen van de gemeente in de gekozen sectoren."),
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
        self.fields["schools"].queryset = School.objects.filter(municipality=municipality).order_by(
            "name"
        )
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

        from .services.activities import funding_item

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
    grant = IdModelChoiceField(label=_("Beschikking"), queryset=_none(Grant))
    activity = IdModelChoiceField(label=_("Activiteit"), queryset=_none(Activity), required=False)
    school = IdModelChoiceField(label=_("School"), queryset=_none(School), required=False)

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
        self.fields["grant"].queryset = Grant.objects.filter(
            municipality=municipality
        ).select_related("stream")
        self.fields["activity"].queryset = Activity.objects.filter(
            municipality=municipality, owner_school__isnull=True
        )
        self.fields["school"].queryset = School.objects.filter(municipality=municipality)


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
