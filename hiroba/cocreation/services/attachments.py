"""Attachments of ideas: PDF, PNG or JPEG, recognised by their content (a file's name and the browser's type are
never trusted), at most 5 MB each and 5 per idea, added by the idea's author. Files are stored under their SHA-256,
so the same file attached twice is stored once; they are only ever served as downloads with the detected type."""

from __future__ import annotations

import hashlib
import unicodedata
from typing import IO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from hiroba.cocreation.events import CocreationEvent
from hiroba.cocreation.models import Attachment, Idea
from hiroba.cocreation.services.common import _poster
from hiroba.core.audit import Actor, audit_record
from hiroba.core.errors import Invalid, PermissionDenied

MAX_BYTES = 5 * 1024 * 1024
MAX_PER_IDEA = 5
EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


def sniff(data: bytes) -> str | None:
    """The file's type by its content: a PDF has its header and an end-of-file marker, a PNG its signature and IHDR
    chunk first, a JPEG its start and end markers. Anything else is None."""
    if data.startswith((b"%PDF-1.", b"%PDF-2.")):
        return "application/pdf" if b"%%EOF" in data[-2048:] else None
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        return "image/png"
    if data.startswith(b"\xff\xd8\xff") and data.rstrip(b"\x00\r\n").endswith(b"\xff\xd9"):
        return "image/jpeg"
    return None


def storage_name(sha256: str) -> str:
    return f"cocreation/attachments/{sha256}"


def _display_name(name: str, content_type: str) -> str:
    """The name shown and offered on download: no folders, no control characters, the detected type's extension."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    base = "".join(ch for ch in base if ch.isprintable()).strip().rsplit(".", 1)[0][:100] or "attachment"
    return f"{base}.{EXTENSIONS[content_type]}"


@transaction.atomic
def attachment_add(*, actor: Actor, idea: Idea, name: str, stream: IO[bytes]) -> Attachment:
    poster = _poster(actor)
    if idea.author_id != poster.user.pk:
        raise PermissionDenied(
            "cocreation.idea.not_author",
            ja="ファイルを添付できるのはアイデアを投稿した人だけです。",
            en="Only the idea's author may attach files.",
        )
    if Attachment.objects.filter(idea=idea).count() >= MAX_PER_IDEA:
        raise Invalid(
            "cocreation.attachment.count",
            ja=f"添付できるファイルは{MAX_PER_IDEA}件までです。",
            en=f"At most {MAX_PER_IDEA} files per idea.",
        )
    data = stream.read(MAX_BYTES + 1)  # never more than the limit plus one byte
    if len(data) > MAX_BYTES:
        raise Invalid(
            "cocreation.attachment.too_large",
            ja="ファイルは5MB以下にしてください。",
            en="Files may be 5 MB at most.",
            detail={"limit": MAX_BYTES},
        )
    content_type = sniff(data) if data else None
    if content_type is None:
        raise Invalid(
            "cocreation.attachment.type",
            ja="添付できるのはPDF、PNG、JPEGのファイルだけです(中身で判定します)。",
            en="Only PDF, PNG and JPEG files can be attached (checked by their content).",
        )
    digest = hashlib.sha256(data).hexdigest()
    if not default_storage.exists(storage_name(digest)):
        default_storage.save(storage_name(digest), ContentFile(data))
    attachment = Attachment.objects.create(
        idea=idea, uploaded_by=poster.user, name=_display_name(name, content_type), content_type=content_type,
        size=len(data), sha256=digest,
    )  # fmt: skip
    audit_record(
        tag=CocreationEvent.ATTACHMENT_ADDED, actor=actor, subject=f"idea:{idea.pk}",
        data={"sha256": digest, "type": content_type, "size": len(data)}, municipality=poster.lg_code,
    )  # fmt: skip
    return attachment
