"""Co-creation pages (staff of municipalities and the agency). Thin: selectors read and refuse outsiders, services
write; a refusal is shown beside the form with its reason code."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from hiroba.cocreation import selectors, services
from hiroba.cocreation.models import Stance
from hiroba.core.audit import Actor
from hiroba.core.errors import AppError, Invalid


def _staff(request: HttpRequest) -> Actor:
    actor = Actor.from_request(request)
    selectors.staff_required(actor=actor)  # refuses anyone else, signed in or not
    return actor


@require_GET
def spaces_page(request: HttpRequest) -> HttpResponse:
    _staff(request)
    return render(request, "cocreation/spaces.html", {"spaces": selectors.space_list()})


@require_http_methods(["GET", "POST"])
def space_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The space's ideas, most supporting towns first; POST posts a new idea."""
    actor = _staff(request)
    space = selectors.space_get(slug=slug)
    error: AppError | None = None
    if request.method == "POST":
        try:
            idea = services.idea_post(
                actor=actor,
                space=space,
                title=request.POST.get("title", ""),
                problem=request.POST.get("problem", ""),
                proposal=request.POST.get("proposal", ""),
                services=request.POST.get("services", "").replace("、", "\n").replace(",", "\n").splitlines(),
            )
            return redirect("cocreation-idea", idea_id=idea.pk)
        except AppError as refused:
            error = refused
    context = {"space": space, "ideas": selectors.ideas_ranked(space=space), "error": error, "form": request.POST}
    return render(request, "cocreation/space.html", context, status=error.status if error else 200)


@require_http_methods(["GET", "POST"])
def idea_page(request: HttpRequest, idea_id: str) -> HttpResponse:
    """An idea with its supports and discussion. POST `action` = support | comment (`stance`, `body`, `reply_to`)."""
    actor = _staff(request)
    idea = selectors.idea_get(idea_id=idea_id)
    error: AppError | None = None
    if request.method == "POST":
        try:
            action = request.POST.get("action", "")
            if action == "support":
                services.idea_support(actor=actor, idea=idea)
            elif action == "comment":
                services.comment_add(
                    actor=actor,
                    idea=idea,
                    body=request.POST.get("body", ""),
                    stance=request.POST.get("stance", Stance.COMMENT),
                    reply_to=selectors.comment_of(idea=idea, ref=request.POST.get("reply_to", "")),
                )
            else:
                raise Invalid("cocreation.form_action", ja="この操作は行えません。", en="Unknown action.")
            return redirect("cocreation-idea", idea_id=idea.pk)
        except AppError as refused:
            error = refused
    context: dict[str, Any] = {
        "idea": idea,
        "ranked": selectors.idea_support_counts(idea=idea),
        "supported": selectors.idea_supported_by(idea=idea, user=selectors.staff_required(actor=actor)),
        "threads": selectors.comment_threads(idea=idea),
        "stances": Stance.choices,
        "error": error,
    }
    return render(request, "cocreation/idea.html", context, status=error.status if error else 200)


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    _staff(request)
    q = request.GET.get("q", "")
    terms = selectors.query_terms(q)
    hits = selectors.search(q=q) if terms else []
    return render(request, "cocreation/search.html", {"q": q, "hits": hits, "searched": bool(terms)})
