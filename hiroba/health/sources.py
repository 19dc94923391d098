"""The kinds of health data a resident can consent to, and the consent purpose each needs."""

from __future__ import annotations

CONSENT_PREFIX = "health:"
CHECKUPS = "checkups"
SOURCES = ("apple_health", "health_connect", "google_fit", "paper", CHECKUPS)


def consent_purpose(source: str) -> str:
    """The consent a source needs: `health:<origin>` for steps, `health:checkups` for checkups."""
    return f"{CONSENT_PREFIX}{source}"
