"""The origin that card signatures and passkeys are bound to.

Production sets SITE_ORIGIN (production.py refuses to start without it). On developers' machines and in tests the
origin is derived from the request, whose host Django has already checked against ALLOWED_HOSTS.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest


def site_origin(request: HttpRequest) -> str:
    if settings.SITE_ORIGIN:
        return str(settings.SITE_ORIGIN).rstrip("/")
    return f"{request.scheme}://{request.get_host()}"


def site_rp_id(request: HttpRequest) -> str:
    """The WebAuthn relying-party ID: the origin's host name without port."""
    return urlsplit(site_origin(request)).hostname or ""
