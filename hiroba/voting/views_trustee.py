"""A trustee's link page (no sign-in: the link is the capability, as Belenios' trustee links are).

With JavaScript the trustee makes their key pair in the browser (`static/voting/trustee.js` with `belenios.js`),
saves the private key as a file and posts only the public key; after the poll closes they choose that file again
and the browser posts only the partial decryption. Without JavaScript the page explains the command-line way and
takes the files those commands write. The private key is never in any form field."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hiroba.core.audit import Actor
from hiroba.core.errors import AppError, Invalid, NotFound
from hiroba.voting import selectors, services

MAX_DECRYPTION_UPLOAD = services.MAX_DECRYPTION_BYTES


def _posted(request: HttpRequest, field: str, file_field: str, limit: int) -> bytes:
    """The JSON the browser computed (hidden `field`) or the file a command wrote (`file_field`)."""
    upload = request.FILES.get(file_field)
    if upload is not None:
        if upload.size is not None and upload.size > limit:
            raise Invalid("voting.form.file", ja="ファイルが大きすぎます。", en="The file is too large.")
        return bytes(upload.read())
    text = request.POST.get(field, "").strip()
    if not text:
        raise Invalid("voting.form.file", ja="ファイルを選んでください。", en="Choose the file to send.")
    return text.encode()


@require_http_methods(["GET", "POST"])
def trustee_page(request: HttpRequest, token: str) -> HttpResponse:
    """POST `action` = register (`public_key` or `public_key_file`) | decrypt (`decryption` or `decryption_file`)."""
    problem = None
    if request.method == "POST":
        actor = Actor.from_request(request)
        action = request.POST.get("action", "")
        try:
            if action == "register":
                data = _posted(request, "public_key", "public_key_file", services.MAX_TRUSTEE_KEY_BYTES)
                services.trustee_register_by_link(token=token, public_key_json=data, actor=actor)
                messages.success(request, _("Your public key is registered."))
            elif action == "decrypt":
                data = _posted(request, "decryption", "decryption_file", MAX_DECRYPTION_UPLOAD)
                services.partial_decryption_by_link(token=token, decryption_json=data, actor=actor)
                messages.success(request, _("Your partial decryption is published."))
            else:
                raise Invalid("voting.form.action", ja="この操作は行えません。", en="Unknown action.")
            return redirect("voting-trustee", token=token)
        except NotFound:
            raise
        except AppError as refused:
            problem = refused
    view = selectors.trustee_link_view(invitation=selectors.trustee_invitation_get(token=token))
    context = {
        "view": view,
        "election": view.election,
        "error": problem.line() if problem else None,
        "board_url": reverse("voting-board", kwargs={"uuid": view.election.uuid}),
        "archive_url": reverse("voting-archive", kwargs={"uuid": view.election.uuid}),
    }
    response = render(request, "voting/trustee.html", context, status=problem.status if problem else 200)
    response["Cache-Control"] = "private, no-store"
    # The link is the capability: it is never handed to another site (the site-wide Referrer-Policy is same-origin;
    # no-referrer would make the browser send `Origin: null` with the forms, which the CSRF check refuses).
    response["Referrer-Policy"] = "same-origin"
    return response
