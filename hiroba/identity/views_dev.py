"""Test-rig pages: the dev OpenID Provider that stands in for the Digital Authentication App, and the list of
virtual cards for the demo. Mounted only when settings.TEST_RIG is on (never in production)."""

from __future__ import annotations

import time
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from hiroba.core.errors import AppError
from hiroba.identity import devprovider, jpki, oidc, testrig
from hiroba.identity.models import ChallengePurpose
from hiroba.identity.origin import site_origin
from hiroba.identity.services import challenge_issue
from hiroba.identity.services.jpki import card_verify
from hiroba.identity.web import client_ip, posted_card_proof, session_key

GRANT = "hiroba_devop_grant"
FACT_SCOPES = {"name", "address", "birthdate", "gender"}


def metadata(request: HttpRequest) -> JsonResponse:
    return JsonResponse(devprovider.provider(origin=site_origin(request)).metadata())


def jwks(request: HttpRequest) -> JsonResponse:
    return JsonResponse(devprovider.provider(origin=site_origin(request)).jwks())


def _page(request: HttpRequest, grant: oidc.AuthorizationGrant, error: AppError | None = None) -> HttpResponse:
    keys = ["auth", "sign"] if FACT_SCOPES & set(grant.scopes) else ["auth"]
    context: dict[str, Any] = {
        "nonce": challenge_issue(session_key=session_key(request), purpose=ChallengePurpose.PROVIDER),
        "keys": keys,
        "test_rig": True,
        "error": error,
        "grant": grant,
        "facts": len(keys) > 1,
    }
    return render(request, "identity/dev_authorize.html", context, status=error.status if error else 200)


@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    provider = devprovider.provider(origin=site_origin(request))
    if request.method == "GET":
        try:
            grant = provider.validate_authorization_request(request.GET.dict())
        except oidc.OidcError as error:
            return HttpResponseBadRequest(f"{error.code}: {error.message}", content_type="text/plain")
        request.session[GRANT] = grant.to_dict()
        return _page(request, grant)
    data = request.session.get(GRANT)
    if not data:
        return HttpResponseBadRequest("no authorization request in progress", content_type="text/plain")
    grant = oidc.AuthorizationGrant.from_dict(data)
    facts = FACT_SCOPES & set(grant.scopes)
    try:
        auth = card_verify(
            posted_card_proof(request, "auth_" if facts else ""),
            origin=site_origin(request),
            session_key=session_key(request),
            purpose=ChallengePurpose.PROVIDER,
            ip=client_ip(request),
            step="provider",
            kind=jpki.CertificateKind.AUTH,
        )
        claims: dict[str, str] = {}
        if facts:
            sign = card_verify(
                posted_card_proof(request, "sign_"),
                origin=site_origin(request),
                session_key=session_key(request),
                purpose=ChallengePurpose.PROVIDER,
                ip=client_ip(request),
                step="provider",
                kind=jpki.CertificateKind.SIGN,
                challenge_taken=True,
            )
            claims = devprovider.facts_claims(jpki.read_basic_facts(sign.certificate))
    except AppError as error:
        return _page(request, grant, error)
    del request.session[GRANT]
    code = provider.issue_code(grant, user_key=devprovider.user_key(auth), claims=claims, now=int(time.time()))
    return redirect(provider.redirect_for(grant, code))


@csrf_exempt  # a back-channel call from the relying party, authenticated by its private_key_jwt
@require_POST
def token(request: HttpRequest) -> JsonResponse:
    provider = devprovider.provider(origin=site_origin(request))
    try:
        return JsonResponse(provider.token(request.POST.dict(), now=int(time.time())))
    except oidc.OidcError as error:
        status = 401 if error.code == "invalid_client" else 400
        return JsonResponse({"error": error.code, "error_description": error.message}, status=status)


def cards(request: HttpRequest) -> HttpResponse:
    rows = []
    for path in testrig.virtual_cards():
        card = jpki.VirtualCard.from_json(path.read_text())
        rows.append({"file": path.name, "label": card.label, "token": card.token})
    return render(request, "identity/dev_cards.html", {"cards": rows})


def card_file(request: HttpRequest, name: str) -> FileResponse:
    match = [p for p in testrig.virtual_cards() if p.name == name]
    if not match:
        raise Http404
    return FileResponse(match[0].open("rb"), as_attachment=True, filename=name, content_type="application/json")


@csrf_exempt  # OCSP clients post DER, not forms
@require_POST
def ocsp(request: HttpRequest) -> HttpResponse:
    """The rig's OCSP responder: answers from the rig CA, listing as revoked what the loaded CRLs list.

    `?stale=1` answers with a day-old thisUpdate and `?forged=1` signs with a stranger's key, so that tests can
    show that such answers fail sign-ins closed.
    """
    from datetime import UTC, datetime, timedelta

    from cryptography.hazmat.primitives.asymmetric import rsa

    ca = testrig.rig_ca()
    now = datetime.now(UTC)
    answer = ca.ocsp_respond(
        request.body[: 64 * 1024],
        revoked=testrig.revoked_serials(),
        at=now,
        this_update=now - timedelta(days=1) if request.GET.get("stale") else None,
        sign_key=rsa.generate_private_key(public_exponent=65537, key_size=2048) if request.GET.get("forged") else None,
    )
    return HttpResponse(answer, content_type="application/ocsp-response")
