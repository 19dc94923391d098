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
from hiroba.tenancy.selectors import actor_scope


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


@require_http_methods(["GET", "POST"])
def problems_page(request: HttpRequest) -> HttpResponse:
    """窓口のお困りごと, most municipalities affected first. POST reports a new one."""
    actor = _staff(request)
    error: AppError | None = None
    if request.method == "POST":
        try:
            problem = services.problem_report(
                actor=actor, summary=request.POST.get("summary", ""), detail=request.POST.get("detail", "")
            )
            return redirect("cocreation-problem", problem_id=problem.pk)
        except AppError as refused:
            error = refused
    context = {"problems": selectors.problems_ranked(), "error": error, "form": request.POST}
    return render(request, "cocreation/problems.html", context, status=error.status if error else 200)


@require_http_methods(["GET", "POST"])
def problem_page(request: HttpRequest, problem_id: str) -> HttpResponse:
    """One problem. POST `action` = same_here | link (`idea`)."""
    actor = _staff(request)
    ranked = selectors.problem_get(problem_id=problem_id)
    error: AppError | None = None
    if request.method == "POST":
        try:
            action = request.POST.get("action", "")
            if action == "same_here":
                services.problem_same_here(actor=actor, problem=ranked.problem)
            elif action == "link":
                idea = selectors.idea_get(idea_id=request.POST.get("idea", ""))
                services.problem_link_idea(actor=actor, problem=ranked.problem, idea=idea)
            else:
                raise Invalid("cocreation.form_action", ja="この操作は行えません。", en="Unknown action.")
            return redirect("cocreation-problem", problem_id=ranked.problem.pk)
        except AppError as refused:
            error = refused
    context = {
        "ranked": ranked,
        "marked": selectors.problem_marked_by(problem=ranked.problem, lg_code=actor_scope(actor).municipality),
        "linked": list(ranked.problem.ideas.select_related("space")),
        "ideas": selectors.ideas_ranked(limit=50),
        "error": error,
    }
    return render(request, "cocreation/problem.html", context, status=error.status if error else 200)
