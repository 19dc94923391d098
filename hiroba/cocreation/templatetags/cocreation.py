"""Template helpers of the co-creation pages: the follow button and posts rendered through the safe Markdown
subset (which escapes everything it does not itself produce)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from hiroba.cocreation import selectors
from hiroba.cocreation.models import Notification
from hiroba.cocreation.services.notify import notification_path
from hiroba.core.markdown import render

register = template.Library()


@register.filter(name="markdown")
def markdown(text: str) -> SafeString:
    return mark_safe(render(text))  # noqa: S308 - render() escapes all input; it emits only its own allow-listed tags


@register.inclusion_tag("cocreation/_follow_button.html", takes_context=True)
def follow_button(context: dict[str, Any], kind: str, ref: object, on: bool | None = None) -> dict[str, Any]:
    """The follow button; `on` when the page already knows whether the viewer follows (else one query)."""
    request = context["request"]
    user = request.user
    if on is None:
        on = user.is_authenticated and selectors.follows(user=user, kind=kind, ref=str(ref))
    return {
        "kind": kind,
        "ref": str(ref),
        "on": on,
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def notice_path(notification: Notification) -> str:
    return notification_path(notification)
