"""Template tags of the peer directory and workshops, used by `cocreation/_peers.html` on the idea and problem pages:
"who else is working on this" and the workshop an idea came from. Privacy is decided by the selectors they call."""

from __future__ import annotations

from typing import Any

from django import template

from hiroba.cocreation.models import CounterProblem, Idea
from hiroba.cocreation.models.workshops import Team
from hiroba.cocreation.selectors.directory import Peers, peers_for
from hiroba.cocreation.selectors.workshops import workshop_origin
from hiroba.core.audit import Actor

register = template.Library()


@register.simple_tag(takes_context=True)
def peers_of(context: template.Context, subject: Any) -> Peers:
    """Staff of other municipalities working on the idea or counter problem, as the signed-in viewer may see them."""
    if not isinstance(subject, Idea | CounterProblem):
        return Peers([], [])
    return peers_for(actor=Actor.from_request(context["request"]), subject=subject)


@register.simple_tag
def workshop_origin_of(subject: Any) -> Team | None:
    """The workshop team whose outcome the idea is (None for anything else)."""
    return workshop_origin(idea=subject) if isinstance(subject, Idea) else None
