from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def local_name(obj: Any) -> str:
    """An object's English name on English pages, its Japanese name otherwise (Japanese and やさしい日本語)."""
    if (get_language() or "ja").startswith("en"):
        return str(getattr(obj, "name_en", "") or obj.name)
    return str(obj.name)
