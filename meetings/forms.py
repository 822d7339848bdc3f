"""Forms of the meetings app. Choice lists come from the tenant's scoped querysets, so a form
cannot offer (or accept) a school, activity, grant or user of another municipality."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from funding.models import Activity, Grant
from portal.fields import AmountField, CountField, IdModelChoiceField, IdModelMultipleChoiceField
from portal.limits import ModelLimitsFormMixin
from portal.models import Membership
from schools.models import School

from .models import (
    ActionItem,
    AgendaItem,
    Decision,
    Meeting,
    MeetingSeries,
    OrganisationType,
    Participant,
    StandingItem,
)


def tenant_users(access, meeting=None, current=None):
    """Portal users who may be picked as chair, participant or owner on the page's tenant.

    On a region page (roles.md) a coordinator sees the municipalities only in aggregate, never
    their people: the region's own members (its coordinators) and whoever already takes part
    in ``meeting``, plus the user ``current`` the object already points at (so an edit keeps
    its chair or owner) -- never the members of the region's municipalities."""
    User = get_user_model()
    if access.region is not None:
        who = Q(pk__in=Membership.objects.filter(region=access.region).values("user_id"))
        if meeting is not None and meeting.pk:
            who |= Q(pk__in=meeting.participants.filter(user__isnull=False).values("user_id"))
        if current is not None:
            who |= Q(pk=current)
        return User.objects.filter(who).order_by("first_name", "email")
    memberships = Membership.objects.for_municipality(access.municipality)
    return User.objects.filter(pk__in=memberships.values("user_id")).order_by("first_name", "email")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TenantFormMixin:
    def __init__(self, *args, access=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.access = access

    def limit_pickers(self):
        """Offer lists only to those who may read them (roles.md): activities to holders of
        activities.view, grants to holders of funding.view; on region pages none of these and
        no schools either (a coordinator sees the municipalities' funding and schools only in
        aggregate). The field is removed, not hidden, so a POST cannot set it either."""
        if self.access.region is not None:
            for name in ("schools", "activities", "activity", "grants", "grant"):
                self.fields.pop(name, None)
            return
        rules = {
            "activities": "activities.view",
            "activity": "activities.view",
            "grants": "funding.view",
            "grant": "funding.view",
        }
        for name, permission in rules.items():
            if name in self.fields and not self.access.has(permission):
                del self.fields[name]


# Scoped models cannot be queried at import time (no tenant scope yet): the form fields that
# point at them are declared with an empty queryset and filled per request in __init__.
def _none_choice(model, label, required=False):
    return IdModelChoiceField(queryset=model.objects.none(), required=required, label=label)


def _none_multi(model, label):
    return IdModelMultipleChoiceField(
        queryset=model.objects.none(),
        required=False,
        label=label,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )


class MeetingForm(ModelLimitsFormMixin, TenantFormMixin, forms.ModelForm):
    series = _none_choice(MeetingSeries, _("reeks"))
    online_url = forms.URLField(label=_("Online link"), required=False, assume_scheme="https")
    new_series_name = forms.CharField(
        label=_("Of begin een nieuwe reeks"),
        required=False,
        max_length=200,
        help_text=_(
            "Bijvoorbeeld ‘LEA Midden-Groningen’. Volgende overleggen in de reeks krijgen de vaste agendapunten en de open actiepunten."
        ),
    )

    class Meta:
        model = Meeting
        fields = [
            "series",
            "type",
            "title",
            "starts_at",
            "ends_at",
            "location",
            "online_url",
            "chair",
        ]
        widgets = {"starts_at": DateTimeInput(), "ends_at": DateTimeInput()}
        field_classes = {"chair": IdModelChoiceField}
        help_texts = {
            "series": _(
                "Een overleg in een reeks krijgt de vaste agendapunten, de deelnemers van het vorige overleg en de open actiepunten."
            )
        }

    def __init__(self, *args, series_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["series"].queryset = series_queryset
        self.fields["chair"].queryset = tenant_users(self.access)
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M"]

    def clean(self):
        data = super().clean()
        if data.get("series") and data.get("new_series_name"):
            raise forms.ValidationError(
                _("Kies een bestaande reeks of begin een nieuwe, niet beide.")
            )
        return data


class MeetingUpdateForm(ModelLimitsFormMixin, TenantFormMixin, forms.ModelForm):
    online_url = forms.URLField(label=_("Online link"), required=False, assume_scheme="https")

    class Meta:
        model = Meeting
        fields = [
            "type",
            "title",
            "starts_at",
            "ends_at",
            "location",
            "online_url",
            "chair",
            "status",
            "minutes",
        ]
        field_classes = {"chair": IdModelChoiceField}
        widgets = {
            "starts_at": DateTimeInput(),
            "ends_at": DateTimeInput(),
            "minutes": forms.Textarea(attrs={"rows": 12}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = tenant_users(
            self.access, meeting=self.instance, current=self.instance.chair_id
        )
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M"]


class AgendaItemForm(ModelLimitsFormMixin, TenantFormMixin, forms.ModelForm):
    schools = _none_multi(School, _("scholen"))
    activities = _none_multi(Activity, _("activiteiten"))
    grants = _none_multi(Grant, _("beschikkingen"))

    class Meta:
        model = AgendaItem
        fields = [
            "order",
            "time",
            "title",
            "description",
            "presenter",
            "schools",
            "activities",
            "grants",
        ]
        field_classes = {"order": CountField}
        widgets = {
            "time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].required = False
        self.fields["schools"].queryset = School.objects.order_by("name")
        self.fields["activities"].queryset = Activity.objects.filter(
            owner_school__isnull=True
        ).order_by("code")
        self.fields["grants"].queryset = Grant.objects.select_related("stream")
        self.limit_pickers()


class DecisionForm(ModelLimitsFormMixin, TenantFormMixin, forms.ModelForm):
    activity = _none_choice(Activity, _("activiteit"))
    grant = _none_choice(Grant, _("beschikking"))

    class Meta:
        model = Decision
        fields = ["text", "amount", "activity", "grant"]
        field_classes = {"amount": AmountField}
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"amount": _("In euro, bijvoorbeeld 200.000,00.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = Activity.objects.filter(
            owner_school__isnull=True
        ).order_by("code")
        self.fields["grant"].queryset = Grant.objects.select_related("stream")
        self.limit_pickers()


class ParticipantForm(ModelLimitsFormMixin, TenantFormMixin, forms.ModelForm):
    class Meta:
        model = Participant
        fields = ["user", "name", "organisation", "organisation_type", "email"]
        field_classes = {"user": IdModelChoiceField}
        help_texts = {
            "user": _(
                "Of vul hieronder naam (of functie), organisatie en e-mailadres van een externe deelnemer in."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = tenant_users(self.access)
        self.fields["organisation_type"].choices = OrganisationType.choices


class StandingItemForm(ModelLimitsFormMixin, forms.ModelForm):
    class Meta:
        model = StandingItem
        fields = ["order", "title", "description", "presenter"]
        field_classes = {"order": CountField}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].required = False


class ActionForm(ModelLimitsFormMixin, TenantFormMixin, forms.ModelForm):
    agenda_item = _none_choice(AgendaItem, _("agendapunt"))
    schools = _none_multi(School, _("scholen"))
    activities = _none_multi(Activity, _("activiteiten"))

    class Meta:
        model = ActionItem
        fields = [
            "agenda_item",
            "description",
            "owner_user",
            "owner_name",
            "owner_organisation",
            "owner_email",
            "due_date",
            "status",
            "theme",
            "schools",
            "activities",
        ]
        field_classes = {"owner_user": IdModelChoiceField}
        widgets = {"due_date": DateInput(), "description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "owner_user": _(
                "Een gebruiker van het portaal, of vul hieronder een externe eigenaar in."
            ),
            "owner_email": _(
                "Een externe eigenaar krijgt herinneringen en een persoonlijke link om de voortgang bij te werken."
            ),
        }

    def __init__(self, *args, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        meeting = meeting or self.instance.meeting
        self.fields["agenda_item"].queryset = meeting.agenda_items.all()
        self.fields["owner_user"].queryset = tenant_users(
            self.access, meeting=meeting, current=self.instance.owner_user_id
        )
        self.fields["schools"].queryset = School.objects.order_by("name")
        self.fields["activities"].queryset = Activity.objects.filter(
            owner_school__isnull=True
        ).order_by("code")
        self.limit_pickers()

    def clean(self):
        data = super().clean()
        if not data.get("owner_user") and not (
            data.get("owner_name") or data.get("owner_organisation")
        ):
            raise forms.ValidationError(
                _("Kies een eigenaar uit het portaal of vul een externe eigenaar in.")
            )
        return data


class ProgressForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionItem.Status.choices)
    note = forms.CharField(
        label=_("Voortgang"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Wat is er gedaan, wat is de volgende stap?"),
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Bestand"))
    name = forms.CharField(label=_("Naam"), required=False, max_length=200)


class BulkStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Nieuwe status"), choices=ActionItem.Status.choices)
    actions = IdModelMultipleChoiceField(queryset=ActionItem.objects.none(), label=_("Actiepunten"))

    def __init__(self, *args, queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actions"].queryset = queryset
