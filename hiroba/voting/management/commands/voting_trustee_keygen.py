from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from hiroba.core.management.base import HirobaCommand
from hiroba.voting.crypto.ballot import proof_json
from hiroba.voting.crypto.groups import GroupError, group_by_name
from hiroba.voting.crypto.proofs import pok_prove
from hiroba.voting.formats.archive import json_dumps
from hiroba.voting.models import GroupName


class Command(HirobaCommand):
    help = (
        "For a trustee, on the trustee's own machine (no database is touched): generate a key pair. Writes the "
        "private key to FILE (mode 0600, a JSON string as belenios-tool's .privkey) and the public key with its "
        "proof of knowledge to FILE.pubkey (a trustee_public_key, which the committee registers)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--group", default=GroupName.BELENIOS_2048, choices=GroupName.values)
        parser.add_argument("--out", type=Path, required=True, metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            group = group_by_name(options["group"])
        except GroupError as exc:
            raise CommandError(str(exc)) from exc
        out: Path = options["out"]
        public_path = out.with_name(out.name + ".pubkey")
        if out.exists() or public_path.exists():
            raise CommandError(f"{out} or {public_path} exists: keys are never overwritten")
        x = group.random_scalar()
        public = json_dumps({"pok": proof_json(pok_prove(group, x)), "public_key": group.to_str(group.g_pow(x))})
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as stream:
            stream.write(json_dumps(str(x)))
        public_path.write_bytes(public)
        self.stdout.write(f"private key: {out} (keep it offline)\npublic key: {public_path}")
