"""The one exception type of the OpenID Connect package.

`code` is stable and machine-readable: the relying party uses `oidc.*` reasons, the development provider uses the OAuth
error names (`invalid_request`, `invalid_grant`, ...) so that its token endpoint can return `{"error": code}` as is.
`message` is English, for logs only; it never carries tokens, codes or personal data.
"""

from __future__ import annotations


class OidcError(Exception):
    """A refused OpenID Connect step. Match on `code`, log `message`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
