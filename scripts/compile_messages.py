"""Compile every committed locale/*/LC_MESSAGES/*.po into .mo, without needing GNU gettext on the machine."""

from __future__ import annotations

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    count = 0
    for po_path in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
        po = polib.pofile(str(po_path))
        po.save_as_mofile(str(po_path.with_suffix(".mo")))
        count += 1
        print(f"{po_path.relative_to(ROOT)}: {len(po.translated_entries())} translated")
    if not count:
        print("no .po files found", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
