"""Stand-alone verifier of Belenios event archives (importable without Django)."""

from hiroba.voting.verifier.core import Report, verify_archive

__all__ = ["Report", "verify_archive"]
