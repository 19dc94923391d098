from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from hiroba.core.textsize import TEXT_SIZES, text_size


def site(request: HttpRequest) -> dict[str, object]:
    labels = {"ja": "日本語", "en": "English", settings.EASY_JAPANESE: "やさしい日本語"}
    return {
        "language_choices": [(code, labels[code]) for code, _ in settings.LANGUAGES],
        "EASY_JAPANESE": settings.EASY_JAPANESE,
        "text_size": text_size(request),
        "text_sizes": TEXT_SIZES,
    }
