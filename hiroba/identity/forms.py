from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hiroba.core.validators import refuse_individual_number
from hiroba.identity.services.residents import MAX_DISPLAY_NAME


class DisplayNameForm(forms.Form):
    display_name = forms.CharField(
        label=_("Name shown on Hiroba"), max_length=MAX_DISPLAY_NAME, validators=[refuse_individual_number]
    )
