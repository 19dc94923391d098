from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hiroba.tenancy import lgcode
from hiroba.tenancy.errors import invalid_lg_code
from hiroba.tenancy.models import MUNICIPAL_ROLES, Role
from hiroba.tenancy.selectors import area_list


class LgCodeField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Local government code (6 digits)"))
        kwargs.setdefault("min_length", 6)
        kwargs.setdefault("max_length", 6)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{6}"})

    def validate(self, value: Any) -> None:
        super().validate(value)
        try:
            lgcode.validate(value)
        except lgcode.LgCodeError as exc:
            error = invalid_lg_code(exc, value)
            raise forms.ValidationError(f"{error.message_ja} / {error.message_en}", code=error.code) from exc


class MunicipalityForm(forms.Form):
    lg_code = LgCodeField()
    name = forms.CharField(label=_("Name"), max_length=50)
    name_kana = forms.CharField(label=_("Name in kana"), max_length=100)
    name_en = forms.CharField(label=_("Name in English"), max_length=100)


class AreaForm(forms.Form):
    slug = forms.SlugField(label=_("Short name for URLs (lower-case letters)"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=100)
    name_en = forms.CharField(label=_("Name in English"), max_length=100)
    currency_name = forms.CharField(label=_("Name of the currency"), max_length=50)

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"]
        if slug != slug.lower():
            raise forms.ValidationError(_("Use lower-case letters, digits and hyphens."), code="slug")
        return slug


class AreaMemberForm(forms.Form):
    area = forms.ChoiceField(label=_("Currency area"), choices=lambda: [(a.slug, a.name) for a in area_list()])
    lg_code = LgCodeField()


class GrantForm(forms.Form):
    staff_id = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.ChoiceField(label=_("Role"), choices=[(r.value, r.label) for r in Role if r in MUNICIPAL_ROLES])
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(
        label=_("Until (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            raise forms.ValidationError(_("The end date must be on or after the start date."), code="period")
        return data
