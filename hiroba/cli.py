"""The `hiroba` command: `hiroba <group> <command> [options]` runs the Django management command
`<group>_<command>` (hyphens become underscores), `hiroba <command>` runs `<command>`, with the same settings
and database as the running site (DATABASE_URL; by default the demo's SQLite file under var/).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resolve(argv: list[str], commands: set[str]) -> list[str]:
    """Map `group command ...` to the management command's argv; unknown names are passed on unchanged."""
    if argv[1:2] and not argv[1].startswith("-"):
        joined = f"{argv[0]}_{argv[1]}".replace("-", "_")
        if joined in commands:
            return [joined, *argv[2:]]
    if argv:
        single = argv[0].replace("-", "_")
        if single in commands:
            return [single, *argv[1:]]
    return argv


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    # The project root (beside config/) is the working directory for var/ and .env.
    root = Path(__file__).resolve().parent.parent
    # `hiroba serve` is the production server; everything else defaults to the demo's local settings.
    default = "config.settings.production" if args[:1] == ["serve"] else "config.settings.local"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", default)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))

    import django
    from django.core.management import execute_from_command_line, get_commands

    django.setup()
    if not args or args[0] in {"-h", "--help", "help"}:
        _print_help(get_commands())
        return
    execute_from_command_line(["hiroba", *resolve(args, set(get_commands()))])


def _print_help(commands: dict[str, str]) -> None:
    ours = sorted(name for name, app in commands.items() if app.startswith("hiroba"))
    print("usage: hiroba <group> <command> [options]   (or: hiroba <django-command> ...)\n")
    print("Hiroba commands:")
    for name in ours:
        group, _, rest = name.partition("_")
        print(f"  hiroba {group} {rest.replace('_', '-')}" if rest else f"  hiroba {group}")
    print("\nEvery other Django management command works too, e.g. `hiroba migrate`, `hiroba shell`.")
