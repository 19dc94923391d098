"""The election committee's pages (tenancy role `election`): the town's polls, creating one, its questions, voters
and trustees while it is a draft, the checklist before opening, opening, closing and the tally. Thin: every read
and write goes through `hiroba.voting.services` / `selectors`, which refuse another town's staff."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hiroba.core.audit import Actor
from hiroba.core.errors import AppError, Invalid
from hiroba.tenancy import errors as tenancy_errors
from hiroba.tenancy.models import Municipality, Role
from hiroba.tenancy.selectors import municipality_get, staff_scope
from hiroba.voting import selectors, services
from hiroba.voting.models import CredentialDelivery, Election, ElectionState, GroupName

JST = ZoneInfo("Asia/Tokyo")
VOTERS_PER_PAGE = 50
MAX_PUBKEY_UPLOAD = services.MAX_TRUSTEE_KEY_BYTES
QUESTION_KINDS = ("yes_no", "choose_one", "choose")


def _town(request: HttpRequest, lg_code: str) -> Municipality:
    m = municipality_get(lg_code=lg_code)
    if not staff_scope(user=request.user).has(Role.ELECTION, m.lg_code):
        raise tenancy_errors.forbidden(m.lg_code)
    return m


def _poll(request: HttpRequest, m: Municipality, uuid: str) -> Election:
    return selectors.committee_election_get(scope=staff_scope(user=request.user), lg_code=m.lg_code, uuid=uuid)


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request)


def _form_error(code: str, ja: str, en: str) -> Invalid:
    return Invalid(f"voting.form.{code}", ja=ja, en=en)


def _jst(value: str, *, ja: str, en: str) -> dt.datetime:
    """A `datetime-local` value, read as Japan time."""
    try:
        return dt.datetime.fromisoformat(value.strip()).replace(tzinfo=JST)
    except ValueError:
        raise _form_error("datetime", f"{ja}の日時を入力してください。", f"Enter the {en} date and time.") from None


def _whole(value: str, name: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise _form_error("number", f"{name}は整数で入力してください。", f"{name}: enter a whole number.") from None


def _question_from(post: Any, prefix: str = "") -> dict[str, Any]:
    """One question from the builder's fields: kind (yes_no | choose_one | choose), text, answers (one a line),
    min, max, blank."""
    kind = post.get(f"{prefix}kind", "")
    text = post.get(f"{prefix}text", "").strip()
    answers = [line.strip() for line in post.get(f"{prefix}answers", "").splitlines() if line.strip()]
    blank = post.get(f"{prefix}blank") == "on"
    if kind == "yes_no":
        return services.question_yes_no(text, blank=blank)
    if kind == "choose_one":
        return services.question_choose_one(text, answers, blank=blank)
    if kind == "choose":
        minimum = _whole(post.get(f"{prefix}min", ""), "min")
        maximum = _whole(post.get(f"{prefix}max", ""), "max")
        return services.question_choose(text, answers, minimum=minimum, maximum=maximum, blank=blank)
    raise _form_error("question_kind", "設問の種類を選んでください。", "Choose the kind of question.")


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], problem: AppError | None = None
) -> HttpResponse:
    context = {**context, "error": problem.line() if problem else None}
    response = render(request, f"voting/{template}", context, status=problem.status if problem else 200)
    response["Cache-Control"] = "private, no-store"
    return response


def _poll_context(m: Municipality, election: Election) -> dict[str, Any]:
    kwargs = {"lg_code": m.lg_code, "uuid": election.uuid}
    return {
        "m": m,
        "election": election,
        "credentials_url": reverse("staff-voting-credentials", kwargs=kwargs),
        "board_url": reverse("voting-board", kwargs={"uuid": election.uuid}),
        "is_draft": election.state == ElectionState.DRAFT,
    }


# ---------------------------------------------------------------- the town's polls, and a new one


@login_required
@require_GET
def polls_page(request: HttpRequest, lg_code: str) -> HttpResponse:
    m = _town(request, lg_code)
    polls = selectors.committee_election_list(scope=staff_scope(user=request.user), lg_code=m.lg_code)
    return _render(request, "committee_polls.html", {"m": m, "polls": polls})


@login_required
@require_http_methods(["GET", "POST"])
def poll_create_page(request: HttpRequest, lg_code: str) -> HttpResponse:
    """Title, description, group, opening and closing times (JST), minimum age, credential delivery and the first
    question (a poll always has at least one; more are added in the question builder)."""
    m = _town(request, lg_code)
    problem = None
    if request.method == "POST":
        post = request.POST
        try:
            election = services.election_create(
                actor=_actor(request),
                lg_code=m.lg_code,
                title=post.get("title", ""),
                description=post.get("description", "").strip(),
                group=post.get("group", GroupName.BELENIOS_2048),
                opens_at=_jst(post.get("opens_at", ""), ja="開始", en="opening"),
                closes_at=_jst(post.get("closes_at", ""), ja="終了", en="closing"),
                minimum_age=_whole(post.get("minimum_age", "18"), "minimum age"),
                credential_delivery=post.get("credential_delivery", CredentialDelivery.LETTER),
                questions=[_question_from(post, "q_")],
            )
            messages.success(request, _("The poll was created as a draft."))
            return redirect("staff-voting-poll", lg_code=m.lg_code, uuid=election.uuid)
        except AppError as refused:
            problem = refused
    now = timezone.localtime(timezone.now(), JST).replace(second=0, microsecond=0)
    context = {
        "m": m,
        "form": request.POST,
        "groups": GroupName.choices,
        "deliveries": CredentialDelivery.choices,
        "default_opens": (now + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
        "default_closes": (now + dt.timedelta(days=14)).strftime("%Y-%m-%dT%H:%M"),
    }
    return _render(request, "committee_create.html", context, problem)


# ---------------------------------------------------------------- one poll: checklist, open, close, tally


@login_required
@require_http_methods(["GET", "POST"])
def poll_page(request: HttpRequest, lg_code: str, uuid: str) -> HttpResponse:
    """POST `action` = open | close (with `confirm` before the closing time) | result."""
    m = _town(request, lg_code)
    election = _poll(request, m, uuid)
    problem = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "open":
                services.election_open(actor=_actor(request), election=election)
                messages.success(request, _("The poll is open."))
            elif action == "close":
                if timezone.now() < election.closes_at and request.POST.get("confirm") != "on":
                    raise _form_error(
                        "confirm",
                        "締め切る前に、確認の欄にチェックを入れてください。",
                        "Tick the confirmation to close the poll before its closing time.",
                    )
                services.election_close(actor=_actor(request), election=election)
                messages.success(request, _("The poll is closed and its encrypted tally published."))
            elif action == "result":
                services.result_compute(actor=_actor(request), election=election)
                messages.success(request, _("The result is published."))
            else:
                raise _form_error("action", "この操作は行えません。", "Unknown action.")
            return redirect("staff-voting-poll", lg_code=m.lg_code, uuid=election.uuid)
        except AppError as refused:
            problem = refused
            election = _poll(request, m, uuid)
    status = selectors.poll_status(scope=staff_scope(user=request.user), election=election)
    context = {
        **_poll_context(m, election),
        "status": status,
        "closes_early": timezone.now() < election.closes_at,
        "results": selectors.question_results(election=election) if election.result else [],
    }
    return _render(request, "committee_poll.html", context, problem)


# ---------------------------------------------------------------- questions


@login_required
@require_http_methods(["GET", "POST"])
def questions_page(request: HttpRequest, lg_code: str, uuid: str) -> HttpResponse:
    """POST `action` = add (the builder's fields) | remove (`index`). Only while the poll is a draft."""
    m = _town(request, lg_code)
    election = _poll(request, m, uuid)
    problem = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        questions = list(election.questions)
        try:
            if action == "add":
                questions.append(_question_from(request.POST))
            elif action == "remove":
                index = _whole(request.POST.get("index", ""), "index")
                if not 0 <= index < len(questions):
                    raise _form_error("index", "その設問はありません。", "No such question.")
                del questions[index]
            else:
                raise _form_error("action", "この操作は行えません。", "Unknown action.")
            services.election_questions_set(actor=_actor(request), election=election, questions=questions)
            messages.success(request, _("The questions were saved."))
            return redirect("staff-voting-questions", lg_code=m.lg_code, uuid=election.uuid)
        except AppError as refused:
            problem = refused
    context = {**_poll_context(m, election), "form": request.POST if problem else {}}
    return _render(request, "committee_questions.html", context, problem)


# ---------------------------------------------------------------- voters


@login_required
@require_http_methods(["GET", "POST"])
def voters_page(request: HttpRequest, lg_code: str, uuid: str) -> HttpResponse:
    """POST `action` = enroll (residents of the minimum age) | import (a CSV file `pairwise_id,weight`)."""
    m = _town(request, lg_code)
    election = _poll(request, m, uuid)
    scope = staff_scope(user=request.user)
    problem = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "enroll":
                added = services.voters_enroll(actor=_actor(request), election=election)
            elif action == "import":
                upload = request.FILES.get("csv")
                if upload is None:
                    raise _form_error("csv", "CSVファイルを選んでください。", "Choose a CSV file.")
                if upload.size is not None and upload.size > services.MAX_VOTER_CSV_BYTES:
                    raise _form_error(
                        "csv", "ファイルが大きすぎます(2 MiBまで)。", "The file is too large (2 MiB at most)."
                    )
                added = services.voters_import_csv(actor=_actor(request), election=election, data=upload.read())
            else:
                raise _form_error("action", "この操作は行えません。", "Unknown action.")
            messages.success(request, _("%(n)s voters added.") % {"n": len(added)})
            return redirect("staff-voting-voters", lg_code=m.lg_code, uuid=election.uuid)
        except AppError as refused:
            problem = refused
    status = selectors.poll_status(scope=scope, election=election)
    page = Paginator(selectors.election_voters(scope=scope, election=election), VOTERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {**_poll_context(m, election), "status": status, "page": page}
    return _render(request, "committee_voters.html", context, problem)


# ---------------------------------------------------------------- trustees


@login_required
@require_http_methods(["GET", "POST"])
def trustees_page(request: HttpRequest, lg_code: str, uuid: str) -> HttpResponse:
    """POST `action` = invite (`name`: the link is shown once, on this answer) | upload (`name` and a `.pubkey`)."""
    m = _town(request, lg_code)
    election = _poll(request, m, uuid)
    problem = None
    link = None
    invited = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "invite":
                invitation, token = services.trustee_invite(
                    actor=_actor(request), election=election, name=request.POST.get("name", "")
                )
                link = request.build_absolute_uri(reverse("voting-trustee", kwargs={"token": token}))
                invited = invitation.name
            elif action == "threshold":
                upload = request.FILES.get("threshold")
                if upload is None:
                    raise _form_error(
                        "threshold", "ファイルを選んでください。", "Choose the threshold parameters file."
                    )
                if upload.size is not None and upload.size > services.MAX_THRESHOLD_BYTES:
                    raise _form_error("threshold", "ファイルが大きすぎます。", "The file is too large.")
                services.trustees_threshold_register(
                    actor=_actor(request), election=election, parameters_json=upload.read()
                )
                messages.success(request, _("The threshold group of trustees was registered."))
                return redirect("staff-voting-trustees", lg_code=m.lg_code, uuid=election.uuid)
            elif action == "upload":
                upload = request.FILES.get("pubkey")
                if upload is None:
                    raise _form_error("pubkey", "公開鍵ファイルを選んでください。", "Choose the public key file.")
                if upload.size is not None and upload.size > MAX_PUBKEY_UPLOAD:
                    raise _form_error("pubkey", "ファイルが大きすぎます。", "The file is too large.")
                services.trustee_register(
                    actor=_actor(request),
                    election=election,
                    name=request.POST.get("name", ""),
                    public_key_json=upload.read(),
                )
                messages.success(request, _("The trustee's public key is registered."))
                return redirect("staff-voting-trustees", lg_code=m.lg_code, uuid=election.uuid)
            else:
                raise _form_error("action", "この操作は行えません。", "Unknown action.")
        except AppError as refused:
            problem = refused
    status = selectors.poll_status(scope=staff_scope(user=request.user), election=election)
    context = {**_poll_context(m, election), "status": status, "link": link, "invited": invited}
    return _render(request, "committee_trustees.html", context, problem)
