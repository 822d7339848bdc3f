from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from .fields import IdModelChoiceField
from .models import Role


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mailadres"))
    role = forms.ChoiceField(
        label=_("Rol"),
        choices=[(r.value, r.label) for r in Role if r != Role.REGIONAL_COORDINATOR],
    )
    school = IdModelChoiceField(
        label=_("School (alleen voor schooldirecteuren)"), queryset=None, required=False
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools


class AcceptInvitationForm(forms.Form):
    password1 = forms.CharField(
        label=_("Wachtwoord"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Wachtwoord (nogmaals)"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") != data.get("password2"):
            raise forms.ValidationError(_("De wachtwoorden zijn niet gelijk."))
        if data.get("password1"):
            validate_password(data["password1"])
        return data
