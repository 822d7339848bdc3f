"""Forms of the schools app. They parse and validate input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.domain import Sector, Severity, Theme
from portal.fields import CountField, DecimalNumberField, IdModelChoiceField
from portal.imports.forms import ImportForm
from portal.limits import ModelLimitsFormMixin

from .models import SCHOOL_FIELDS, School, current_school_year
from .services import NeedEntry


class SchoolForm(ModelLimitsFormMixin, forms.ModelForm):
    class Meta:
        model = School
        fields = SCHOOL_FIELDS
        field_classes = {"pupil_count": CountField}


def school_year_choices(extra_years=()):
    first = int(current_school_year()[:4])
    years = {f"{y}-{y + 1}" for y in range(first - 3, first + 2)} | set(extra_years)
    return [(y, y) for y in sorted(years, reverse=True)]


class ScanCreateForm(forms.Form):
    school = IdModelChoiceField(label=_("School"), queryset=School.objects.none())
    school_year = forms.ChoiceField(label=_("Schooljaar"))

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        # a director with one school does not have to pick it (issue 12 §5)
        only = list(schools[:2])
        if len(only) == 1:
            self.fields["school"].initial = only[0].pk
            self.fields["school"].empty_label = None
        self.fields["school_year"].choices = school_year_choices()
        self.fields["school_year"].initial = current_school_year()


class NeedsForm(forms.Form):
    """One row per theme: severity (empty = no entry), share of pupils, note."""

    def __init__(self, *args, needs=None, **kwargs):
        super().__init__(*args, **kwargs)
        needs = needs or {}
        severity_choices = [("", _("niet ingevuld")), *Severity.choices]
        self.rows = []
        for code, label in Theme.choices:
            need = needs.get(code)
            self.fields[f"{code}-severity"] = forms.ChoiceField(
                label=_("Ernst"),
                choices=severity_choices,
                required=False,
                initial=need.severity if need else "",
            )
            self.fields[f"{code}-share"] = DecimalNumberField(
                label=_("Aandeel leerlingen (%)"),
                required=False,
                min_value=0,
                max_value=100,
                decimal_places=2,
                max_digits=5,
                initial=need.share_of_pupils if need else None,
            )
            self.fields[f"{code}-note"] = forms.CharField(
                label=_("Toelichting"),
                required=False,
                max_length=2000,
                initial=need.note if need else "",
            )
            self.rows.append(
                (code, label, self[f"{code}-severity"], self[f"{code}-share"], self[f"{code}-note"])
            )

    def needs(self) -> dict[str, NeedEntry]:
        """``{theme code: NeedEntry}`` for services.scan_needs_save (after ``is_valid()``)."""
        data = self.cleaned_data
        return {
            code: NeedEntry(
                severity=data[f"{code}-severity"],
                share_of_pupils=data[f"{code}-share"],
                note=data[f"{code}-note"],
            )
            for code, _label in Theme.choices
        }


class DocumentForm(forms.Form):
    file = forms.FileField(
        label=_("Scandocument"), help_text=_("PDF, Word (.docx) of Excel (.xlsx), hoogstens 20 MB.")
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Besluit"),
        choices=[("review", _("Beoordeeld")), ("return", _("Terugsturen naar de school"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Opmerking voor de school"),
        required=False,
        widget=forms.Textarea,
        help_text=_("Verplicht bij terugsturen: wat moet de school aanpassen?"),
    )


class SchoolImportForm(ImportForm):
    sector = forms.ChoiceField(
        label=_("Sector"),
        required=False,
        choices=[("", _("uit het bestand (SOORT_PO)")), *Sector.choices],
        help_text=_("Het klassieke DUO-bestand noemt de sector niet; kies die dan hier."),
    )


class WeightImportForm(ImportForm):
    school_year = forms.ChoiceField(label=_("Schooljaar van de schoolweging"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_year"].choices = school_year_choices()
        self.fields["school_year"].initial = current_school_year()
