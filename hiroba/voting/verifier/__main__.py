"""`python -m hiroba.voting.verifier ARCHIVE.bel [--workers N]`: print the report, exit 1 unless valid."""

from __future__ import annotations

import argparse
import sys

from hiroba.voting.verifier.core import verify_archive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hiroba.voting.verifier", description=__doc__)
    parser.add_argument("archive", help="the election's <uuid>.bel event archive")
    parser.add_argument("--workers", type=int, default=None, help="processes for ballot checks (default: one per core)")
    args = parser.parse_args(argv)
    report = verify_archive(args.archive, workers=args.workers)
    sys.stdout.write(report.render() + "\n")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
