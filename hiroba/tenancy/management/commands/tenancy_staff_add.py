from __future__ import annotations

import secrets
import sys
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from hiroba.core.audit import Actor
from hiroba.core.management.base import HirobaCommand
from hiroba.tenancy.models import Role
from hiroba.tenancy.services import role_grant, staff_register


class Command(HirobaCommand):
    help = "Create a staff account for a municipality (--municipality) or the agency (--agency), with roles."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="full name")
        parser.add_argument("--kana", default="", help="full name in kana")
        parser.add_argument("--email", default="")
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--municipality", help="lg_code of the employer")
        where.add_argument("--agency", action="store_true", help="Digital Agency staff")
        parser.add_argument("--department", default="")
        parser.add_argument("--role", action="append", default=[], choices=[r.value for r in Role])
        parser.add_argument("--password-stdin", action="store_true", help="read the password from stdin")

    def handle(self, *args: Any, **o: Any) -> None:
        actor = Actor.command_line()
        password = sys.stdin.readline().rstrip("\n") if o["password_stdin"] else secrets.token_urlsafe(12)
        if not password:
            raise CommandError("empty password")
        lg_code = None if o["agency"] else o["municipality"]
        staff = staff_register(
            username=o["username"],
            password=password,
            full_name=o["name"],
            full_name_kana=o["kana"],
            email=o["email"],
            lg_code=lg_code,
            department=o["department"],
            actor=actor,
        )
        for role in o["role"]:
            role_grant(
                staff_id=staff.pk,
                lg_code=lg_code,
                role=Role(role),
                starts_on=timezone.localdate(),
                ends_on=None,
                actor=actor,
            )
        self.stdout.write(f"created staff {o['username']} ({staff.user.public_id})")
        if not o["password_stdin"]:
            self.stdout.write(f"initial password (shown once): {password}")
