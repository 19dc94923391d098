from __future__ import annotations

from typing import Any

from django import forms, template

from hiroba.core.errors import AppError, in_english

register = template.Library()


@register.filter
def local_name(obj: Any) -> str:
    """An object's English name on English pages, its Japanese name otherwise (Japanese and やさしい日本語)."""
    if in_english():
        return str(getattr(obj, "name_en", "") or obj.name)
    return str(obj.name)


@register.inclusion_tag("_error_summary.html")
def error_summary(*forms_: forms.Form | None, refusal: AppError | None = None, field: str = "") -> dict[str, Any]:
    """The error summary at the top of a page (GOV.UK pattern): one line per problem, each naming the field and
    linking to it. Django forms give their own errors (their fields already carry aria-invalid and point at their
    messages with aria-describedby, when rendered with as_field_group); a service's refusal on a hand-written form
    links to `field`, whose input points back at the summary (#error-summary)."""
    errors: list[tuple[str, str]] = []
    for form in forms_:
        if form is None or not form.is_bound:
            continue
        errors += [("", str(message)) for message in form.non_field_errors()]
        for bound in form.visible_fields():  # a hidden field's error (a stale form token) is the page's own notice
            errors += [(bound.id_for_label, f"{bound.label}: {message}") for message in bound.errors]
    if refusal is not None:
        errors.append((field, refusal.message()))
    return {"errors": errors, "code": refusal.code if refusal is not None else ""}
