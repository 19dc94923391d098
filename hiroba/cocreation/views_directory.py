"""The peer directory's pages (仲間づくり): the directory with filters, one profile, and the owner's own profile form.
Selectors decide who sees what (a profile the viewer may not see answers 404); the only write is the owner's own."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from hiroba.cocreation import selectors
from hiroba.cocreation.models.directory import MAX_TOPICS, Visibility
from hiroba.cocreation.selectors import directory as read
from hiroba.cocreation.services import directory as write
from hiroba.core.audit import Actor
from hiroba.core.errors import AppError
from hiroba.tenancy.selectors import actor_scope


def _staff(request: HttpRequest) -> Actor:
    actor = Actor.from_request(request)
    selectors.staff_required(actor=actor)
    return actor


@require_GET
def directory_page(request: HttpRequest) -> HttpResponse:
    """Colleagues across municipalities, filtered by `topic`, `mentor` and `municipality`."""
    actor = _staff(request)
    topic = request.GET.get("topic", "").strip()
    mentor = request.GET.get("mentor") == "1"
    town = request.GET.get("municipality", "").strip()
    context: dict[str, Any] = {
        "profiles": read.directory(actor=actor, topic=topic, mentor=mentor, lg_code=town),
        "topics": read.directory_topics(actor=actor),
        "towns": read.directory_towns(actor=actor),
        "topic": topic,
        "mentor": mentor,
        "town": town,
        "own": read.profile_own(actor=actor),
    }
    return render(request, "cocreation/directory.html", context)


@require_GET
def profile_page(request: HttpRequest, public_id: str) -> HttpResponse:
    actor = _staff(request)
    card = read.profile_get(actor=actor, public_id=public_id)
    viewer = read.viewer_of(actor)
    context = {"card": card, "own": card.user_pk == viewer.user.pk, "is_agency": actor_scope(actor).is_agency}
    return render(request, "cocreation/profile.html", context)


@require_http_methods(["GET", "POST"])
def profile_edit_page(request: HttpRequest) -> HttpResponse:
    """The signed-in staff member's own profile (there is no way to edit anybody else's)."""
    actor = _staff(request)
    error: AppError | None = None
    if request.method == "POST":
        try:
            write.profile_save(
                actor=actor,
                topics=request.POST.get("topics", "").replace("、", "\n").replace(",", "\n").splitlines(),
                can_help=request.POST.get("can_help", ""),
                mentor=request.POST.get("mentor") == "1",
                visibility=request.POST.get("visibility", ""),
                show_name=request.POST.get("show_name") == "1",
            )
            return redirect("cocreation-profile", public_id=read.viewer_of(actor).user.public_id)
        except AppError as refused:
            error = refused
    own = read.profile_own(actor=actor)
    if error is not None:
        values = {
            "topics": request.POST.get("topics", ""),
            "can_help": request.POST.get("can_help", ""),
            "mentor": request.POST.get("mentor") == "1",
            "visibility": request.POST.get("visibility", ""),
            "show_name": request.POST.get("show_name") == "1",
        }
    elif own is not None:
        values = {
            "topics": "\n".join(t.label for t in own.topics.all()),
            "can_help": own.can_help,
            "mentor": own.mentor,
            "visibility": own.visibility,
            "show_name": own.show_name,
        }
    else:
        values = {"topics": "", "can_help": "", "mentor": False, "visibility": Visibility.TOWN, "show_name": True}
    context: dict[str, Any] = {
        "values": values,
        "visibilities": Visibility.choices,
        "max_topics": MAX_TOPICS,
        "exists": own is not None,
        "error": error,
        "field": (error.detail.get("field", "") if error else ""),
    }
    return render(request, "cocreation/profile_edit.html", context, status=error.status if error else 200)
