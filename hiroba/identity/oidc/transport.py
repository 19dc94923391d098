"""How the relying party talks HTTP to the provider: a two-method protocol and a standard-library implementation.

The protocol keeps `rp.py` free of any HTTP client, so tests can route requests to an in-process provider and the
Django layer can substitute its own client. `UrllibTransport` is the production implementation: it never follows
redirects, bounds the time and the body size, and accepts JSON only.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from email.message import Message
from typing import IO, Any, Protocol

from .errors import OidcError

MAX_BODY_BYTES = 1024 * 1024
USER_AGENT = "hiroba-oidc/1"


class Transport(Protocol):
    """The two HTTP calls an OpenID Connect relying party makes."""

    def get_json(self, url: str) -> dict[str, Any]:
        """GET a JSON object (provider metadata, JWKS). Raises `OidcError` when it cannot."""
        ...

    def post_form(self, url: str, data: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """POST an `application/x-www-form-urlencoded` body; return the HTTP status and the JSON object answered.

        An error status with a JSON body (the token endpoint's `{"error": ...}`) is returned, not raised: the caller
        decides. A failure to get any JSON object at all raises `OidcError`.
        """
        ...


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """OpenID Connect endpoints answer directly; a redirect could downgrade to http or drop the POST body."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:  # noqa: ARG002 -- urllib calls it so
        return None


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def _decode_json_object(body: bytes, *, code: str, url: str) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise OidcError(code, f"{url} answered a body that is not valid JSON") from exc
    if not isinstance(value, dict):
        raise OidcError(code, f"{url} answered JSON that is not an object")
    return value


class UrllibTransport:
    """`Transport` over the standard library: no redirects, a timeout, at most 1 MiB of JSON per answer.

    `get_json` failures raise `OidcError("oidc.discovery")` (it fetches metadata and keys); `post_form` failures raise
    `OidcError("oidc.token_endpoint")`.
    """

    def __init__(self, *, timeout: float = 10.0) -> None:
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_RefuseRedirects)

    def get_json(self, url: str) -> dict[str, Any]:
        status, body = self._exchange(url, None, code="oidc.discovery")
        if status != 200:  # noqa: PLR2004 -- HTTP OK
            raise OidcError("oidc.discovery", f"GET {url} answered HTTP {status}")
        return body

    def post_form(self, url: str, data: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        return self._exchange(url, urllib.parse.urlencode(dict(data)).encode("ascii"), code="oidc.token_endpoint")

    def _exchange(self, url: str, form: bytes | None, *, code: str) -> tuple[int, dict[str, Any]]:
        """GET `url`, or POST `form` to it; return the status and the JSON object answered."""
        if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
            raise OidcError(code, "only http and https URLs are fetched")
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            request = urllib.request.Request(  # noqa: S310 -- the scheme was checked above
                url, data=form, method="GET" if form is None else "POST", headers=headers
            )
            response = self._opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            # An error status still carries a body worth reading (the token endpoint's JSON error).
            with exc:
                if 300 <= exc.code < 400:  # noqa: PLR2004 -- the HTTP redirect range
                    message = f"{url} answered a redirect (HTTP {exc.code}), which is not followed"
                    raise OidcError(code, message) from exc
                return exc.code, self._read(exc, exc.headers, code=code, url=url, status=exc.code)
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            raise OidcError(code, f"{url} could not be reached: {type(exc).__name__}") from exc
        with response:
            return response.status, self._read(response, response.headers, code=code, url=url, status=response.status)

    @staticmethod
    def _read(stream: IO[bytes], headers: Message, *, code: str, url: str, status: int) -> dict[str, Any]:
        declared = headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise OidcError(code, f"{url} answered more than {MAX_BODY_BYTES} bytes")
        try:
            body = stream.read(MAX_BODY_BYTES + 1)
        except (http.client.HTTPException, OSError) as exc:
            raise OidcError(code, f"{url} broke off its answer: {type(exc).__name__}") from exc
        if len(body) > MAX_BODY_BYTES:
            raise OidcError(code, f"{url} answered more than {MAX_BODY_BYTES} bytes")
        if not _is_json(headers.get_content_type()):
            raise OidcError(code, f"{url} answered HTTP {status} with {headers.get_content_type()}, not JSON")
        return _decode_json_object(body, code=code, url=url)
