"""The upload form of every browser import; imports with options subclass it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..uploads import file_size_validator


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Bestand (CSV of XLSX)"), validators=[file_size_validator])
