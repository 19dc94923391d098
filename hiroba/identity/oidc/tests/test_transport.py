"""`UrllibTransport` against a real HTTP server on the loopback interface."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from hiroba.identity.oidc import OidcError, UrllibTransport
from hiroba.identity.oidc.transport import MAX_BODY_BYTES


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 -- the base class's signature
        """Quiet: the tests read the answers, not the access log."""

    def answer(
        self, status: int, body: bytes, content_type: str = "application/json", *, announce: bool = True
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if announce:  # without Content-Length, HTTP/1.0 ends the body by closing the connection
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up first (timeout test)
            self.wfile.write(body)

    def do_GET(self) -> None:
        routes = {
            "/json": (200, b'{"issuer": "https://auth.example.test"}', "application/json; charset=utf-8"),
            "/jwks": (200, b'{"keys": []}', "application/jwk-set+json"),
            "/html": (200, b"<html>maintenance</html>", "text/html"),
            "/json-as-text": (200, b'{"keys": []}', "text/plain"),
            "/array": (200, b"[1, 2]", "application/json"),
            "/broken": (200, b'{"keys": [', "application/json"),
            "/missing": (404, b'{"error": "not_found"}', "application/json"),
            "/big": (200, b'{"pad": "' + b"x" * MAX_BODY_BYTES + b'"}', "application/json"),
        }
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/json")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/big-unannounced":
            self.answer(200, b'{"pad": "' + b"x" * MAX_BODY_BYTES + b'"}', announce=False)
        elif self.path == "/slow":
            time.sleep(0.5)
            self.answer(200, b"{}")
        elif self.path in routes:
            self.answer(*routes[self.path])
        else:
            self.answer(404, b"no route", "text/plain")

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode("ascii")))
        if self.path == "/token":
            echo = {"content_type": self.headers["Content-Type"], "form": form}
            self.answer(200, json.dumps(echo).encode())
        elif self.path == "/token-error":
            self.answer(400, b'{"error": "invalid_grant"}')
        elif self.path == "/bad-gateway":
            self.answer(502, b"<html>bad gateway</html>", "text/html")
        elif self.path == "/redirect":
            self.send_response(307)
            self.send_header("Location", "/token")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.answer(404, b"no route", "text/plain")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def failure(call: object) -> OidcError:
    assert callable(call)
    with pytest.raises(OidcError) as caught:
        call()
    return caught.value


def test_get_json_returns_the_object(server: str) -> None:
    transport = UrllibTransport()
    assert transport.get_json(server + "/json") == {"issuer": "https://auth.example.test"}
    assert transport.get_json(server + "/jwks") == {"keys": []}


@pytest.mark.parametrize(
    "path",
    [
        "/html",
        "/json-as-text",
        "/array",
        "/broken",
        "/missing",
        "/big",
        "/big-unannounced",
        "/redirect",
        "/nowhere",
    ],
)
def test_get_json_refuses_anything_but_a_json_object_answered_directly(server: str, path: str) -> None:
    error = failure(lambda: UrllibTransport().get_json(server + path))
    assert error.code == "oidc.discovery"


def test_post_form_sends_a_urlencoded_form(server: str) -> None:
    status, body = UrllibTransport().post_form(server + "/token", {"grant_type": "authorization_code", "code": "a b&c"})
    assert status == 200
    assert body == {
        "content_type": "application/x-www-form-urlencoded",
        "form": {"grant_type": "authorization_code", "code": "a b&c"},
    }


def test_post_form_returns_an_error_status_with_its_json(server: str) -> None:
    assert UrllibTransport().post_form(server + "/token-error", {}) == (400, {"error": "invalid_grant"})


@pytest.mark.parametrize("path", ["/bad-gateway", "/redirect", "/nowhere"])
def test_post_form_refuses_an_answer_without_json(server: str, path: str) -> None:
    error = failure(lambda: UrllibTransport().post_form(server + path, {"code": "x"}))
    assert error.code == "oidc.token_endpoint"


def test_a_slow_server_times_out(server: str) -> None:
    error = failure(lambda: UrllibTransport(timeout=0.1).get_json(server + "/slow"))
    assert error.code == "oidc.discovery"


def test_an_unreachable_server_is_reported() -> None:
    error = failure(lambda: UrllibTransport(timeout=1).post_form("http://127.0.0.1:9/token", {}))
    assert error.code == "oidc.token_endpoint"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.test/x", "not a url"])
def test_only_http_urls_are_fetched(url: str) -> None:
    assert failure(lambda: UrllibTransport().get_json(url)).code == "oidc.discovery"


@pytest.mark.parametrize("path", ["/big", "/big-unannounced"])
def test_a_body_over_one_mebibyte_is_refused_as_too_large(server: str, path: str) -> None:
    error = failure(lambda: UrllibTransport().get_json(server + path))
    assert "more than 1048576 bytes" in error.message
