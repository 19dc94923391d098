from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from joserfc import jwk

from hiroba.core.management.base import HirobaCommand
from hiroba.identity import oidc


class Command(HirobaCommand):
    help = (
        "Create the private key Hiroba uses for private_key_jwt with the Digital Authentication App, write it to "
        "FILE (mode 0600) and print the public JWKS to register with the Digital Agency."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, required=True, help="where to write the private JWK")
        parser.add_argument("--client-id", required=True, help="the client ID the Digital Agency assigned")

    def handle(self, *args: Any, **o: Any) -> None:
        out: Path = o["out"]
        if out.exists():
            raise CommandError(f"{out} exists; refusing to overwrite a key")
        key = jwk.RSAKey.generate_key(2048, auto_kid=True)
        out.touch(mode=0o600)
        out.write_text(json.dumps(key.as_dict(private=True)))
        config = oidc.ClientConfig(
            client_id=o["client_id"], redirect_uri="https://placeholder.invalid/", private_key=key
        )
        self.stdout.write(json.dumps(oidc.client_jwks(config), indent=2))
