from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from hiroba.core.audit import Actor
from hiroba.core.management.base import HirobaCommand
from hiroba.voting.crypto.ballot import proof_json
from hiroba.voting.crypto.groups import Group, GroupError, group_by_name
from hiroba.voting.crypto.proofs import decryption_factor_prove
from hiroba.voting.crypto.threshold import ThresholdError, decryption_key_open
from hiroba.voting.formats.archive import ArchiveError, json_dumps, json_loads, read_archive
from hiroba.voting.formats.structures import FormatError, parse_election
from hiroba.voting.selectors import decryption_keys, election_get, encrypted_tally_raw
from hiroba.voting.services import partial_decryption_add


class Command(HirobaCommand):
    help = (
        "For a trustee: compute the partial decryption of a closed poll's published encrypted tally with the "
        "private key in FILE, and write it to --out. ELECTION is an exported ARCHIVE.bel (offline, on the trustee's "
        "machine: the private key never reaches the server; then submit the file with `hiroba voting "
        "trustee-submit`) or a poll's id or uuid in this site's database (with --submit to publish it at once). "
        "A member of a threshold group gives its seed as --key (the .key of `hiroba voting threshold-key` or "
        "belenios-tool) and its encrypted decryption key as --decryption-key (the .dkey of step 6)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("election", metavar="ELECTION|ARCHIVE.bel")
        parser.add_argument("--key", type=Path, required=True, metavar="FILE", help="the trustee's private key")
        parser.add_argument("--out", type=Path, required=True, metavar="FILE")
        parser.add_argument("--submit", action="store_true", help="also publish it (database mode only)")
        parser.add_argument(
            "--decryption-key", type=Path, metavar="DKEY", help="a threshold group member's .dkey (--key is its seed)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["election"])
        offline = source.suffix == ".bel" and source.is_file()
        if offline:
            if options["submit"]:
                raise CommandError("--submit needs the poll in this site's database, not an archive")
            group_name, fp, keys, tally_raw = _from_archive(source)
        else:
            election = election_get(ref=options["election"])
            group_name, fp = election.group, election.fingerprint
            by_owner = decryption_keys(election)[0]
            keys = [group_by_name(group_name).to_str(by_owner[owner]) for owner in sorted(by_owner)]
            tally_raw = encrypted_tally_raw(election=election)
        group: Group[Any] = group_by_name(group_name)
        if options["decryption_key"] is not None:
            x = _threshold_key(options["key"], options["decryption_key"], group)
        else:
            x = _private_key(options["key"], group)
        mine = group.to_str(group.g_pow(x))
        if mine not in keys:
            raise CommandError("this private key belongs to none of the poll's trustees")
        owner = keys.index(mine) + 1
        pairs = [
            [decryption_factor_prove(group, fp, x, group.parse(c["alpha"])) for c in row]
            for row in json_loads(tally_raw)
        ]
        decryption = json_dumps(
            {
                "decryption_factors": [[group.to_str(f) for f, _ in row] for row in pairs],
                "decryption_proofs": [[proof_json(p) for _, p in row] for row in pairs],
            }
        )
        options["out"].write_bytes(decryption)
        self.stdout.write(f"trustee {owner}: partial decryption written to {options['out']}")
        if options["submit"]:
            partial_decryption_add(
                actor=Actor.command_line(), election=election, owner=owner, decryption_json=decryption
            )
            self.stdout.write(f"trustee {owner}: partial decryption published")


def _private_key(path: Path, group: Group[Any]) -> int:
    if path.stat().st_mode & 0o077 and os.name == "posix":
        raise CommandError(f"{path} is readable by others: chmod 600 it")
    try:
        value = json_loads(path.read_bytes())
        if not isinstance(value, str):
            raise CommandError(f"{path}: a private key is a JSON string")
        return group.parse_scalar(value)
    except (ArchiveError, GroupError) as exc:
        raise CommandError(f"{path}: not a private key ({exc})") from exc


def _threshold_key(seed_path: Path, dkey_path: Path, group: Group[Any]) -> int:
    if seed_path.stat().st_mode & 0o077 and os.name == "posix":
        raise CommandError(f"{seed_path} is readable by others: chmod 600 it")
    try:
        return decryption_key_open(group, seed_path.read_text().strip(), dkey_path.read_text().strip())
    except (ThresholdError, GroupError) as exc:
        raise CommandError(f"{dkey_path}: {exc}") from exc


def _from_archive(path: Path) -> tuple[str, str, list[str], bytes]:
    """Group, fingerprint, the trustees' keys by owner number and the encrypted tally of an exported archive."""
    try:
        archive = read_archive(path)
        setup = next(e for e in archive.events if e.type == "Setup")
        tally_event = next((e for e in archive.events if e.type == "EncryptedTally"), None)
        if tally_event is None or setup.payload is None or tally_event.payload is None:
            raise CommandError(f"{path}: no encrypted tally yet (is the poll closed?)")
        refs = archive.json(setup.payload)
        election = parse_election(archive.data[refs["election"]], archive.json(refs["election"]))
        keys: list[str] = []
        for kind, value in archive.json(refs["trustees"]):  # owners: the trustees list flattened, in order
            keys += [value["public_key"]] if kind == "Single" else [k["public_key"] for k in value["verification_keys"]]
        tally_raw = archive.data[archive.json(tally_event.payload)["encrypted_tally"]]
    except (ArchiveError, FormatError, KeyError, StopIteration, TypeError, ValueError) as exc:
        raise CommandError(f"{path}: not a usable election archive ({exc})") from exc
    return election.group, election.fingerprint, keys, tally_raw
