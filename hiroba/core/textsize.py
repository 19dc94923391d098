"""The text-size switch (標準 / 大きい / 最大): a cookie set by a plain form, read on every page, no JavaScript.

The base template puts the size on <html> as a class; the stylesheet scales the root font size, and every size on
the site is in rem, so the whole page grows and still reflows (WCAG 1.4.4 and 1.4.10)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy

TEXT_SIZE_COOKIE = "hiroba_text_size"
STANDARD = "standard"
TEXT_SIZES = [
    (STANDARD, gettext_lazy("Standard")),
    ("large", gettext_lazy("Large")),
    ("largest", gettext_lazy("Largest")),
]


def text_size(request: HttpRequest) -> str:
    """The visitor's chosen size; anything unknown in the cookie counts as the standard size."""
    chosen = request.COOKIES.get(TEXT_SIZE_COOKIE, STANDARD)
    return chosen if chosen in dict(TEXT_SIZES) else STANDARD
