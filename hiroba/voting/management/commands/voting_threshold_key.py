from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from hiroba.core.management.base import HirobaCommand
from hiroba.voting.crypto.groups import Group, GroupError, group_by_name
from hiroba.voting.crypto.threshold import (
    ThresholdError,
    cert_make,
    certs_checked,
    polynomial_make,
    seed_generate,
    threshold_parameters_make,
    vinputs_make,
    voutput_make,
)
from hiroba.voting.formats.archive import ArchiveError, json_dumps, json_loads, sha256_hex
from hiroba.voting.models import GroupName


def _jsons(text: str, what: str) -> list[Any]:
    """One JSON value per non-empty line (belenios-tool's .jsons files)."""
    try:
        return [json_loads(line.encode()) for line in text.splitlines() if line.strip()]
    except ArchiveError as exc:
        raise CommandError(f"{what}: {exc}") from exc


class Command(HirobaCommand):
    help = (
        "For the members of a threshold (k-of-n) group of trustees and the committee that relays their messages: "
        "the key establishment in six steps, with the same files and options as `belenios-tool setup "
        "generate-trustee-key-threshold`, so that members may use either tool. 1 (member): write ID.key (the "
        "secret seed, 0600) and ID.cert in the current directory. 2 (committee): check --certs. 3 (member): print "
        "the polynomial for --threshold k. 4 (committee): write N.vinput for each member N (certificate order) from "
        "--polynomials. 5 (member): read the vinput on stdin, print the voutput. 6 (committee): read the voutputs "
        "on stdin (certificate order), print threshold.json and write N.dkey for each member. The seed never leaves "
        "the member's machine."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--group", default=GroupName.BELENIOS_2048, choices=GroupName.values)
        parser.add_argument("--step", type=int, required=True, choices=range(1, 7))
        parser.add_argument("--certs", type=Path, metavar="FILE", help="the members' certificates, one per line")
        parser.add_argument("--key", type=Path, metavar="FILE", help="the member's seed (ID.key)")
        parser.add_argument("--threshold", type=int, help="how many members must decrypt (step 3)")
        parser.add_argument("--polynomials", type=Path, metavar="FILE", help="the members' polynomials (steps 4, 6)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            group = group_by_name(options["group"])
            self._step(group, options)
        except (ThresholdError, GroupError, KeyError, TypeError) as exc:
            raise CommandError(str(exc)) from exc

    def _need(self, options: dict[str, Any], *names: str) -> None:
        missing = [f"--{n}" for n in names if options[n] is None]
        if missing:
            raise CommandError(f"step {options['step']} needs {', '.join(missing)}")

    def _step(self, group: Group[Any], options: dict[str, Any]) -> None:
        step = options["step"]
        if step == 1:
            seed = seed_generate()
            cert = json_dumps(cert_make(group, seed))
            name = sha256_hex(cert)
            fd = os.open(f"{name}.key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as stream:
                stream.write(seed + "\n")
            Path(f"{name}.cert").write_bytes(cert + b"\n")
            self.stdout.write(f"certificate {name}.cert, secret seed {name}.key (keep it offline)")
            return
        self._need(options, "certs")
        certs = _jsons(options["certs"].read_text(), "certs")
        certs_checked(group, certs)
        if step == 2:  # noqa: PLR2004 - the protocol's step numbers
            self.stdout.write("certificates are valid")
        elif step == 3:  # noqa: PLR2004
            self._need(options, "key", "threshold")
            seed = options["key"].read_text().strip()
            self.stdout.write(json_dumps(polynomial_make(group, seed, certs, options["threshold"])).decode())
        elif step == 4:  # noqa: PLR2004
            self._need(options, "polynomials")
            vinputs = vinputs_make(_jsons(options["polynomials"].read_text(), "polynomials"))
            for number, vinput in enumerate(vinputs, start=1):
                Path(f"{number}.vinput").write_bytes(json_dumps(vinput) + b"\n")
            self.stdout.write(f"wrote 1.vinput … {len(vinputs)}.vinput (certificate order)")
        elif step == 5:  # noqa: PLR2004
            self._need(options, "key")
            seed = options["key"].read_text().strip()
            (vinput,) = _jsons(sys.stdin.read(), "vinput")
            self.stdout.write(json_dumps(voutput_make(group, seed, certs, vinput)).decode())
        else:
            self._need(options, "polynomials")
            polynomials = _jsons(options["polynomials"].read_text(), "polynomials")
            voutputs = _jsons(sys.stdin.read(), "voutputs")
            parameters = threshold_parameters_make(group, certs, polynomials, voutputs)
            for number, voutput in enumerate(voutputs, start=1):
                Path(f"{number}.dkey").write_text(voutput["private_key"] + "\n")
            self.stdout.write(json_dumps(parameters).decode())
