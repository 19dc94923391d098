from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from hiroba.core.audit import Actor
from hiroba.core.management.base import HirobaCommand
from hiroba.tenancy.selectors import actor_scope
from hiroba.voting.crypto.credentials import credential_generate, credential_public
from hiroba.voting.crypto.groups import group_by_name
from hiroba.voting.selectors import election_get, election_voters
from hiroba.voting.services import credentials_register


class Command(HirobaCommand):
    help = (
        "The credential authority: generate one voting credential per voter of a draft poll, register only the "
        "public credentials (in random order, so nothing links them to the list), and write the private ones to "
        "DIR/<uuid>.credentials.tsv (pairwise ID, weight, credential; mode 0600) for the polling-admission letters. "
        "Printing the letters (PDF) is a later step; until then, print from this file and then destroy it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("election", metavar="ELECTION", help="the poll's id or Belenios uuid")
        parser.add_argument("--out", type=Path, required=True, metavar="DIR")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.command_line()
        election = election_get(ref=options["election"])
        group = group_by_name(election.group)
        voters = list(election_voters(scope=actor_scope(actor), election=election))
        if not voters:
            raise CommandError("the poll has no voters yet: enroll them first")
        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{election.uuid}.credentials.tsv"
        if path.exists():
            raise CommandError(f"{path} exists: private credentials are never overwritten")
        letters = [(v.pairwise_id, v.weight, credential_generate()) for v in voters]
        public = [
            f"{group.to_str(credential_public(group, credential, election.uuid))},{weight}"
            for _, weight, credential in letters
        ]
        secrets.SystemRandom().shuffle(public)
        # Write the private file first (never readable by others), register, then move it into place: a refused
        # registration leaves no file; a written file always matches the registered public credentials.
        partial = path.with_suffix(".tsv.partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write("# pairwise_id\tweight\tcredential\n")
            stream.writelines(f"{pid}\t{weight}\t{credential}\n" for pid, weight, credential in letters)
        try:
            count = credentials_register(actor=actor, election=election, public_credentials=public)
        except BaseException:
            partial.unlink()
            raise
        partial.replace(path)
        self.stdout.write(f"registered {count} public credential(s); private credentials for the letters: {path}")
