"""How Hiroba reaches residents who chose SMS or a phone call: a small protocol, one implementation per provider,
chosen by the `ASSIST_GATEWAY` setting (a dotted path to a class that takes no arguments).

`FileGateway`, the default, sends nothing: it writes each message as a JSON file under `ASSIST_OUTBOX_DIR`, for the
demo, for tests and for a town that hands the files to its provider's bulk upload. A provider's gateway raises on
failure, so that the message is not recorded as sent and the next run tries again.

Callers send through `hiroba.assist.services.channels`, which audits each message; the gateway never logs the
number or the text.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class Gateway(Protocol):
    def send_sms(self, to: str, text: str) -> str:
        """Send `text` to the phone number `to` (digits only, domestic); returns the provider's message ID."""
        ...

    def call(self, to: str, script: str) -> str:
        """Call `to` and read `script` (an SSML 1.1 <speak> document); returns the provider's call ID."""
        ...


class FileGateway:
    """One JSON file per message in the outbox folder, named so that they sort in the order written."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory or settings.ASSIST_OUTBOX_DIR)

    def send_sms(self, to: str, text: str) -> str:
        return self._write({"channel": "sms", "to": to, "text": text})

    def call(self, to: str, script: str) -> str:
        return self._write({"channel": "phone", "to": to, "script": script})

    def _write(self, message: dict[str, str]) -> str:
        now = timezone.now()
        message_id = f"{now:%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}"
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self.directory / f"{message_id}-{message['channel']}.json"
        partial = final.with_suffix(".part")
        body = {"id": message_id, "created_at": now.isoformat(), **message}
        partial.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        partial.replace(final)  # a reader of the folder never sees half a message
        return message_id


def gateway() -> Gateway:
    """The configured gateway."""
    gateway_class: type[Gateway] = import_string(settings.ASSIST_GATEWAY)
    return gateway_class()
