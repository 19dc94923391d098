"""Moderation, attachments, editing and rendering: hostile input handled with a clear refusal and nothing broken."""

from __future__ import annotations

import io
import zlib
from typing import Any

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from hiroba.cocreation.models import Attachment, Hidden, ModerationReport, Notification
from hiroba.cocreation.selectors import ideas_ranked, search
from hiroba.cocreation.services import (
    attachment_add,
    comment_add,
    idea_edit,
    idea_post,
    post_hide,
    post_report,
    post_show,
    request_escalate,
    space_create,
)
from hiroba.cocreation.services.attachments import MAX_BYTES, sniff
from hiroba.cocreation.tests.helpers import refused, signed_in, staff
from hiroba.core.models import AuditRecord

pytestmark = pytest.mark.django_db


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = (1).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def idea(demo: Any) -> Any:
    space = space_create(actor=staff("agency"), slug="card", name="カード", name_en="Card")
    return idea_post(
        actor=staff("saku-admin"),
        space=space,
        title="申請書の様式を統一",
        problem="様式がばらばら",
        proposal="統一する",
    )


def test_a_reported_idea_is_hidden_with_its_reason_and_shown_again(idea: Any) -> None:
    post_report(actor=staff("komoro-admin"), kind="idea", ref=idea.pk, reason="宣伝です")
    refused("cocreation.report.twice", post_report, actor=staff("komoro-admin"), kind="idea", ref=idea.pk, reason="x")
    refused("cocreation.post.unknown", post_report, actor=staff("komoro-admin"), kind="idea", ref="id_x", reason="x")
    refused("tenancy.forbidden", post_hide, actor=staff("komoro-admin"), kind="idea", ref=idea.pk, reason="x")
    agency = signed_in("agency")
    assert idea.pk in agency.get("/cocreation/moderation/").content.decode()

    post_hide(actor=staff("agency"), kind="idea", ref=idea.pk, reason="広告のため")
    assert ModerationReport.objects.get().handled_at is not None
    assert idea.pk not in [r.idea.pk for r in ideas_ranked()]
    assert search(q="申請書の様式") == []
    page = signed_in("komoro-admin").get(f"/cocreation/i/{idea.pk}/").content.decode()
    assert "広告のため" in page
    assert "様式がばらばら" not in page
    assert Notification.objects.filter(user__username="saku-admin", verb="hidden", detail="広告のため").exists()
    refused("cocreation.hidden", request_escalate, actor=staff("saku-admin"), idea=idea)

    post_show(actor=staff("agency"), kind="idea", ref=idea.pk, reason="確認の結果、問題なし")
    assert not Hidden.objects.exists()
    assert search(q="申請書の様式")[0].ref == idea.pk
    tags = list(AuditRecord.objects.filter(subject=f"idea:{idea.pk}").values_list("tag", flat=True))
    assert {"cocreation:post:reported", "cocreation:post:hidden", "cocreation:post:shown"} <= set(tags)


def test_a_hidden_comment_leaves_its_reason_in_the_thread(idea: Any) -> None:
    comment = comment_add(actor=staff("komoro-admin"), idea=idea, body="個人の電話番号 090-0000-0000")
    agency = signed_in("agency")
    response = agency.post(
        "/cocreation/moderation/",
        {"action": "hide", "kind": "comment", "ref": str(comment.pk), "reason": "個人情報", "next": "/cocreation/"},
    )
    assert response.status_code == 302
    page = signed_in("saku-admin").get(f"/cocreation/i/{idea.pk}/").content.decode()
    assert "個人情報" in page
    assert "090-0000-0000" not in page


def test_only_pdf_png_and_jpeg_by_their_content_are_attached(idea: Any, settings: Any, tmp_path: Any) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}}}  # fmt: skip
    author = staff("saku-admin")
    attached = attachment_add(actor=author, idea=idea, name="../../etc/様式案.exe", stream=io.BytesIO(PDF))
    assert (attached.name, attached.content_type) == ("様式案.pdf", "application/pdf")
    image = attachment_add(actor=author, idea=idea, name="写真.pdf", stream=io.BytesIO(png()))
    assert (image.name, image.content_type) == ("写真.png", "image/png")
    for hostile in (b"<html><script>alert(1)</script>", b"MZ\x90\x00", b"PK\x03\x04zip", b"%PDF-1.4 no end", b""):
        refused(
            "cocreation.attachment.type",
            attachment_add,
            actor=author,
            idea=idea,
            name="a.pdf",
            stream=io.BytesIO(hostile),
        )
    big = io.BytesIO(PDF + b"\0" * MAX_BYTES)
    refused("cocreation.attachment.too_large", attachment_add, actor=author, idea=idea, name="big.pdf", stream=big)
    refused("cocreation.idea.not_author", attachment_add, actor=staff("komoro-admin"), idea=idea, name="a.pdf",
            stream=io.BytesIO(PDF))  # fmt: skip
    assert Attachment.objects.count() == 2
    download = signed_in("komoro-admin").get(f"/cocreation/i/{idea.pk}/files/{attached.pk}/")
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert Client().get(f"/cocreation/i/{idea.pk}/files/{attached.pk}/").status_code in (302, 403)
    # by the page: a script named .png is refused with its reason, and nothing is attached
    page = signed_in("saku-admin").post(
        f"/cocreation/i/{idea.pk}/", {"action": "attach", "file": io.BytesIO(b"<script>x</script>")}
    )
    assert page.status_code == 422
    assert "cocreation.attachment.type" in page.content.decode()
    assert Attachment.objects.count() == 2


@given(st.binary(max_size=64))
def test_sniffing_accepts_only_what_starts_and_ends_like_its_type(data: bytes) -> None:
    kind = sniff(data)
    assert kind in (None, "application/pdf", "image/png", "image/jpeg")
    if kind == "application/pdf":
        assert data.startswith(b"%PDF-")
        assert b"%%EOF" in data


def test_only_the_author_edits_an_idea_and_script_is_rendered_as_text(idea: Any) -> None:
    refused("cocreation.idea.not_author", idea_edit, actor=staff("komoro-admin"), idea=idea, title="乗っ取り",
            problem="x", proposal="y", services=[])  # fmt: skip
    idea_edit(
        actor=staff("saku-admin"),
        idea=idea,
        title="様式の統一",
        problem="<script>alert(1)</script> **困る**",
        proposal="[リンク](javascript:alert(1)) と [手引き](https://www.digital.go.jp/)",
        services=["窓口"],
    )
    html = signed_in("komoro-admin").get(f"/cocreation/i/{idea.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert "<strong>困る</strong>" in html
    assert 'href="javascript' not in html.lower()
    assert 'href="https://www.digital.go.jp/"' in html
    assert search(q="様式の統一")[0].ref == idea.pk
    edit = signed_in("komoro-admin").post(
        f"/cocreation/i/{idea.pk}/edit/", {"title": "x", "problem": "y", "proposal": "z"}
    )
    assert edit.status_code == 403
    assert "cocreation.idea.not_author" in edit.content.decode()
