"""Co-creation pages (staff of municipalities and the agency). Thin: selectors read and refuse outsiders, services
write; a refusal is shown beside the form with its reason code."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from hiroba.cocreation import selectors, services
from hiroba.cocreation.models import Idea, RequestStatus, Stance
from hiroba.cocreation.services.attachments import storage_name
from hiroba.core.audit import Actor
from hiroba.core.errors import AppError, Invalid
from hiroba.tenancy.selectors import actor_scope


def _labels(text: str) -> list[str]:
    """Services typed as one line separated by 、 or commas, or one per line."""
    return text.replace("、", "\n").replace(",", "\n").splitlines()


def _staff(request: HttpRequest) -> Actor:
    actor = Actor.from_request(request)
    selectors.staff_required(actor=actor)  # refuses anyone else, signed in or not
    return actor


@require_GET
def spaces_page(request: HttpRequest) -> HttpResponse:
    actor = _staff(request)
    context = {
        "spaces": selectors.space_list(),
        "unread": selectors.notification_unread(user=selectors.staff_required(actor=actor)),
        "is_agency": actor_scope(actor).is_agency,
    }
    return render(request, "cocreation/spaces.html", context)


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
                services=_labels(request.POST.get("services", "")),
            )
            return redirect("cocreation-idea", idea_id=idea.pk)
        except AppError as refused:
            error = refused
    context = {"space": space, "ideas": selectors.ideas_ranked(space=space), "error": error, "form": request.POST}
    return render(request, "cocreation/space.html", context, status=error.status if error else 200)


def _idea_action(request: HttpRequest, actor: Actor, idea: Idea) -> None:
    """One POSTed act on an idea page (`action`): support, comment, escalate, answer, attach, hide, show."""
    post = request.POST
    match post.get("action", ""):
        case "support":
            services.idea_support(actor=actor, idea=idea)
        case "comment":
            reply_to = selectors.comment_of(idea=idea, ref=post.get("reply_to", ""))
            stance = post.get("stance", Stance.COMMENT)
            services.comment_add(actor=actor, idea=idea, body=post.get("body", ""), stance=stance, reply_to=reply_to)
        case "escalate":
            services.request_escalate(actor=actor, idea=idea)
        case "answer":
            request_ = selectors.request_of(idea_id=idea.pk)
            if request_ is None:
                raise Invalid("cocreation.request.none", ja="このアイデアは要望されていません。", en="Not a request.")
            services.request_answer(
                actor=actor, request=request_, status=post.get("status", ""), answer=post.get("answer", ""),
                reason=post.get("reason", ""),
            )  # fmt: skip
        case "attach":
            upload = request.FILES.get("file")
            if upload is None:
                raise Invalid("cocreation.attachment.none", ja="ファイルを選んでください。", en="Choose a file.")
            services.attachment_add(actor=actor, idea=idea, name=upload.name or "", stream=upload)
        case _:
            raise Invalid("cocreation.form_action", ja="この操作は行えません。", en="Unknown action.")


@require_http_methods(["GET", "POST"])
def idea_page(request: HttpRequest, idea_id: str) -> HttpResponse:
    """An idea with its supports, its request to the agency and the discussion; POST acts on it (`_idea_action`)."""
    actor = _staff(request)
    user = selectors.staff_required(actor=actor)
    idea = selectors.idea_get(idea_id=idea_id)
    error: AppError | None = None
    if request.method == "POST":
        try:
            _idea_action(request, actor, idea)
            return redirect("cocreation-idea", idea_id=idea.pk)
        except AppError as refused:
            error = refused
    scope = actor_scope(actor)
    agency_request = selectors.request_of(idea_id=idea.pk)
    context: dict[str, Any] = {
        "idea": idea,
        "hidden": selectors.post_hidden(kind="idea", ref=idea.pk),
        "ranked": selectors.idea_support_counts(idea=idea),
        "supported": selectors.idea_supported_by(idea=idea, user=user),
        "threads": selectors.comment_threads(idea=idea),
        "stances": Stance.choices,
        "attachments": selectors.attachment_list(idea=idea),
        "agency_request": agency_request,
        "updates": selectors.request_updates(request=agency_request) if agency_request else [],
        "statuses": RequestStatus.choices,
        "is_agency": scope.is_agency,
        "is_author": idea.author_id == user.pk,
        "error": error,
    }
    return render(request, "cocreation/idea.html", context, status=error.status if error else 200)


@require_http_methods(["GET", "POST"])
def idea_edit_page(request: HttpRequest, idea_id: str) -> HttpResponse:
    """The author corrects their idea."""
    actor = _staff(request)
    idea = selectors.idea_get(idea_id=idea_id)
    error: AppError | None = None
    if request.method == "POST":
        try:
            services.idea_edit(
                actor=actor, idea=idea, title=request.POST.get("title", ""), problem=request.POST.get("problem", ""),
                proposal=request.POST.get("proposal", ""), services=_labels(request.POST.get("services", "")),
            )  # fmt: skip
            return redirect("cocreation-idea", idea_id=idea.pk)
        except AppError as refused:
            error = refused
    form = request.POST if request.method == "POST" else {
        "title": idea.title, "problem": idea.problem, "proposal": idea.proposal, "services": "、".join(idea.services)
    }  # fmt: skip
    context = {"idea": idea, "form": form, "error": error}
    return render(request, "cocreation/idea_edit.html", context, status=error.status if error else 200)


@require_GET
def attachment_download(request: HttpRequest, idea_id: str, number: int) -> FileResponse:
    """An idea's file, always as a download with the type its content was recognised as."""
    _staff(request)
    attachment = selectors.attachment_get(idea=selectors.idea_get(idea_id=idea_id), number=number)
    response = FileResponse(
        default_storage.open(storage_name(attachment.sha256), "rb"), as_attachment=True,
        filename=attachment.name, content_type=attachment.content_type,
    )  # fmt: skip
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


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
            elif action == "to_idea":
                idea = services.problem_to_idea(
                    actor=actor, problem=ranked.problem, space=selectors.space_get(slug=request.POST.get("space", "")),
                    proposal=request.POST.get("proposal", ""),
                )  # fmt: skip
                return redirect("cocreation-idea", idea_id=idea.pk)
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
        "spaces": selectors.space_list(),
        "hidden": selectors.post_hidden(kind="problem", ref=ranked.problem.pk),
        "is_agency": actor_scope(actor).is_agency,
        "error": error,
    }
    return render(request, "cocreation/problem.html", context, status=error.status if error else 200)
