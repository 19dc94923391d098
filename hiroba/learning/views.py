"""Learning pages (staff of municipalities and the agency), the municipality admin's roll-up, and the public issuer
profile. Thin: selectors read (and refuse outsiders), services write; grading happens only on the server."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from hiroba.core.audit import Actor
from hiroba.core.errors import AppError, NotFound
from hiroba.core.markdown import render as markdown
from hiroba.identity.origin import site_origin
from hiroba.learning import openbadge, selectors, services
from hiroba.learning.catalog import course_all, quiz_for
from hiroba.learning.keys import badge_key
from hiroba.learning.quiz import Grade
from hiroba.tenancy.models import Role, Staff
from hiroba.tenancy.selectors import actor_scope, municipality_get


def _learner(request: HttpRequest) -> tuple[Actor, Staff]:
    actor = Actor.from_request(request)
    return actor, services.learner_required(actor=actor)


@login_required
@require_GET
def home_page(request: HttpRequest) -> HttpResponse:
    """My courses with my progress, and the card simulator when it is there."""
    _, staff = _learner(request)
    context = {"progress": selectors.progress_list(staff=staff), "admin_of": _admin_of(request)}
    return render(request, "learning/home.html", context)


def _admin_of(request: HttpRequest) -> str | None:
    """The signed-in staff member's own municipality when they administer it (for the roll-up link)."""
    scope = actor_scope(Actor.from_request(request))
    if scope.municipality and scope.has(Role.ADMIN, scope.municipality):
        return scope.municipality
    return None


@login_required
@require_GET
def course_page(request: HttpRequest, slug: str) -> HttpResponse:
    _, staff = _learner(request)
    course = selectors.course_get(slug=slug)
    context = {
        "course": course,
        "progress": selectors.progress_get(staff=staff, course=course),
        "introduction": mark_safe(markdown(course.introduction)),  # noqa: S308 (the renderer escapes all input)
    }
    return render(request, "learning/course.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def section_page(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """One section; "next" (POST) marks it read and goes on to the next one, or to the quiz after the last."""
    actor, staff = _learner(request)
    course = selectors.course_get(slug=slug)
    section = course.section(number)
    if section is None:
        raise NotFound("learning.section.unknown", ja="そのページは見つかりません。", en=f"No section {number}.")
    if request.method == "POST":
        services.section_read(actor=actor, course=course, number=number)
        if number < len(course.sections):
            return redirect("learning-section", slug=slug, number=number + 1)
        return redirect("learning-quiz", slug=slug)
    context = {
        "course": course,
        "section": section,
        "body": mark_safe(markdown(section.body)),  # noqa: S308 (the renderer escapes all input)
        "progress": selectors.progress_get(staff=staff, course=course),
        "previous": number - 1 if number > 1 else None,
        "is_last": number == len(course.sections),
    }
    return render(request, "learning/section.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def quiz_page(request: HttpRequest, slug: str) -> HttpResponse:
    """All questions as one form; POST grades on the server, stores the attempt and shows every explanation."""
    actor, staff = _learner(request)
    course = selectors.course_get(slug=slug)
    quiz = quiz_for(course.quiz_slug)
    error: AppError | None = None
    grade: Grade | None = None
    chosen: dict[str, str] = {}
    if request.method == "POST":
        chosen = {q.id: request.POST.get(f"q-{q.id}", "") for q in quiz.questions}
        try:
            _, grade = services.quiz_submit(actor=actor, course=course, answers=chosen)
        except AppError as refused:
            error = refused
    context: dict[str, Any] = {
        "course": course,
        "quiz": quiz,
        "grade": grade,
        "questions": [(q, chosen.get(q.id, "")) for q in quiz.questions],
        "error": error,
        "progress": selectors.progress_get(staff=staff, course=course),
        "attempts": selectors.attempt_list(staff=staff, course=course),
    }
    return render(request, "learning/quiz.html", context, status=error.status if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def badge_page(request: HttpRequest, slug: str) -> HttpResponse:
    """What is still missing, or the badge: POST issues it (once); then the JWT and the decoded credential."""
    actor, staff = _learner(request)
    course = selectors.course_get(slug=slug)
    error: AppError | None = None
    if request.method == "POST":
        try:
            services.badge_issue(actor=actor, course=course, origin=site_origin(request))
            return redirect("learning-badge", slug=slug)
        except AppError as refused:
            error = refused
    progress = selectors.progress_get(staff=staff, course=course)
    credential = None
    if progress.badge is not None:
        credential = json.dumps(
            openbadge.credential_verify(progress.badge.jws, openbadge.jwks(badge_key())), ensure_ascii=False, indent=2
        )
    context = {"course": course, "progress": progress, "error": error, "credential": credential}
    return render(request, "learning/badge.html", context, status=error.status if error else 200)


def _own_badge(request: HttpRequest, slug: str) -> tuple[str, str]:
    _, staff = _learner(request)
    course = selectors.course_get(slug=slug)
    badge = selectors.progress_get(staff=staff, course=course).badge
    if badge is None:
        raise NotFound("learning.badge.none", ja="まだバッジを受け取っていません。", en="No badge has been issued yet.")
    return badge.jws, f"hiroba-{course.slug}-{badge.pk}"


@login_required
@require_GET
def badge_jwt(request: HttpRequest, slug: str) -> HttpResponse:
    """The signed badge as a compact JWS (VC-JWT) file."""
    token, name = _own_badge(request, slug)
    response = HttpResponse(token, content_type="application/vc+jwt")
    response["Content-Disposition"] = f'attachment; filename="{name}.jwt"'
    return response


@login_required
@require_GET
def badge_json(request: HttpRequest, slug: str) -> HttpResponse:
    """The badge's credential, decoded after checking its signature."""
    token, _ = _own_badge(request, slug)
    credential = openbadge.credential_verify(token, openbadge.jwks(badge_key()))
    return JsonResponse(credential, json_dumps_params={"ensure_ascii": False, "indent": 2})


@require_GET
def issuer_json(request: HttpRequest) -> HttpResponse:
    """Public: the issuer profile with its public keys (JWKS), which verifiers use to check badges."""
    profile = openbadge.issuer_profile(services.issuer(site_origin(request)), badge_key())
    return JsonResponse(profile, json_dumps_params={"ensure_ascii": False, "indent": 2})


@login_required
@require_GET
def rollup_page(request: HttpRequest, lg_code: str) -> HttpResponse:
    """The municipality's staff progress per department, for the whole town and per person (its admins only)."""
    scope = actor_scope(Actor.from_request(request))
    courses = course_all()
    course = selectors.course_get(slug=request.GET.get("course") or courses[0].slug)
    rollup = selectors.learning_rollup(scope=scope, lg_code=lg_code, course=course)  # refuses other towns' staff
    municipality = municipality_get(lg_code=lg_code)
    context = {"municipality": municipality, "rollup": rollup, "courses": courses}
    return render(request, "learning/rollup.html", context)
