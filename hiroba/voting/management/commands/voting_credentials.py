from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from hiroba.core.audit import Actor
from hiroba.core.management.base import HirobaCommand
from hiroba.tenancy.selectors import actor_scope
from hiroba.voting.crypto.credentials import credential_generate, credential_public
from hiroba.voting.crypto.groups import group_by_name
from hiroba.voting.formats.letter import LetterPoll, LetterVoter, credential_letters_pdf
from hiroba.voting.selectors import authority_voters, booth_url, election_get
from hiroba.voting.services import credentials_issue_online, credentials_register


def _private_file(path: Path, data: bytes) -> None:
    """Write `data` to a new file readable by its owner only (never overwriting one)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as stream:
        stream.write(data)


class Command(HirobaCommand):
    help = (
        "The credential authority: generate one voting credential per voter of a draft poll, register only the "
        "public credentials (in random order, so nothing links them to the list), and write the private ones to "
        "DIR/<uuid>.credentials.tsv (pairwise ID, weight, credential; mode 0600); with --letters also "
        "DIR/<uuid>-letters.pdf (one large-print A4 letter per voter, to mail with the polling-admission card; "
        "mode 0600). Print, then destroy both files. With --online (polls whose credentials are delivered after "
        "card sign-in, the weaker trust model), the server generates and keeps them sealed instead; no file is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("election", metavar="ELECTION", help="the poll's id or Belenios uuid")
        parser.add_argument("--out", type=Path, metavar="DIR", help="where the private files go (letter delivery)")
        parser.add_argument("--letters", action="store_true", help="also write the letters as a PDF")
        parser.add_argument(
            "--site",
            metavar="URL",
            default="",
            help="the site's address printed on the letters (default: the SITE_ORIGIN setting)",
        )
        parser.add_argument("--online", action="store_true", help="issue for delivery after card sign-in")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.command_line()
        election = election_get(ref=options["election"])
        if options["online"]:
            count = credentials_issue_online(actor=actor, election=election)
            self.stdout.write(f"issued {count} credential(s) for delivery after card sign-in (sealed on the server)")
            return
        out: Path | None = options["out"]
        if out is None:
            raise CommandError("--out DIR is required (or --online)")
        site = (options["site"] or str(settings.SITE_ORIGIN)).rstrip("/")
        if options["letters"] and not site.startswith(("https://", "http://")):
            raise CommandError("the letters print the booth's address: give --site https://… (or set SITE_ORIGIN)")
        group = group_by_name(election.group)
        voters = authority_voters(scope=actor_scope(actor), election=election)
        if not voters:
            raise CommandError("the poll has no voters yet: enroll them first")
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{election.uuid}.credentials.tsv"
        pdf_path = out / f"{election.uuid}-letters.pdf"
        for existing in (path, pdf_path):
            if existing.exists():
                raise CommandError(f"{existing} exists: private credentials are never overwritten")
        letters = [(v, credential_generate()) for v in voters]
        public = [
            f"{group.to_str(credential_public(group, credential, election.uuid))},{voter.weight}"
            for voter, credential in letters
        ]
        secrets.SystemRandom().shuffle(public)
        # Write the private files first (never readable by others), register, then move them into place: a refused
        # registration leaves no file; a written file always matches the registered public credentials.
        partial = path.with_suffix(".tsv.partial")
        pdf_partial = pdf_path.with_suffix(".pdf.partial")
        rows = "".join(f"{v.pairwise_id}\t{v.weight}\t{credential}\n" for v, credential in letters)
        _private_file(partial, ("# pairwise_id\tweight\tcredential\n" + rows).encode())
        written = [(partial, path)]
        try:
            if options["letters"]:
                poll = LetterPoll(
                    town=election.municipality.name,
                    title=election.title,
                    booth_url=booth_url(election=election, origin=site),
                    closes_at=timezone.localtime(election.closes_at),
                )
                pdf = credential_letters_pdf(
                    poll=poll,
                    voters=[LetterVoter(name=v.name, reference=v.reference, credential=c) for v, c in letters],
                )
                _private_file(pdf_partial, pdf)
                written.append((pdf_partial, pdf_path))
            count = credentials_register(actor=actor, election=election, public_credentials=public)
        except BaseException:
            for temporary, _ in written:
                temporary.unlink()
            raise
        for temporary, final in written:
            temporary.replace(final)
        self.stdout.write(f"registered {count} public credential(s); private credentials for the letters: {path}")
        if options["letters"]:
            self.stdout.write(f"letters to print (then destroy): {pdf_path}")
