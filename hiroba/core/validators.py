"""Validators that keep the Individual Number (個人番号, "My Number") out of Hiroba.

Identity forms and residents' free-text fields use `refuse_individual_number` as a Django validator (model or
form field `validators=[...]`); API schemas and services call `ensure_no_individual_number`, which raises the
platform's `Invalid` (422). Both refuse only a standalone 12-digit value whose check digit is valid: see
`hiroba.core.mynumber`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hiroba.core.errors import Invalid
from hiroba.core.mynumber import contains_individual_number

CODE = "identity.individual_number"
MESSAGE_JA = "個人番号（マイナンバー）は入力しないでください。ひろばでは使いません。"
MESSAGE_EN = "Please do not enter an Individual Number (My Number). Hiroba never needs it."


def _text(value: object) -> str:
    return value if isinstance(value, str) else str(value)


def refuse_individual_number(value: str) -> None:
    """Django validator: refuses text holding an Individual Number (code "identity.individual_number")."""
    if value is not None and contains_individual_number(_text(value)):
        raise ValidationError(
            _("Please do not enter an Individual Number (My Number). Hiroba never needs it."), code=CODE
        )


def ensure_no_individual_number(value: str, *, field: str) -> None:
    """For API schemas and services: raises `Invalid` (422) naming `field` when `value` holds an Individual Number."""
    if value is not None and contains_individual_number(_text(value)):
        raise Invalid(CODE, ja=MESSAGE_JA, en=MESSAGE_EN, detail={"field": field})
