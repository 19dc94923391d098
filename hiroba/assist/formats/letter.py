"""Expiry-notice letters for residents who chose to hear from the town by post, free of Django.

One A4 page per resident, in large print (body 16 pt, nothing under 14 pt), ready for a 長形3号 window envelope
after a Z-fold into thirds: the recipient's postal code, address and name sit inside the usual window (about 23 mm
from the left and 13-58 mm from the top) at 25 mm and 16-56 mm, the town's sender block opposite it. Japanese is
set in the PDF standard CID font (nothing embedded) with CJK line breaking, and the canvas is invariant: the same
input gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from hiroba.core.pdftext import cjk_paragraph
from hiroba.wallet.formats.poster import JAPANESE_FONT, _font_registered

MARGIN = 20 * mm
WINDOW = (25 * mm, 16 * mm, 85 * mm, 40 * mm)  # x from the left, y from the top, width, height
SENDER_X = 122 * mm
FOLD = 99 * mm  # the first third: everything above shows or sits behind the envelope's front
BODY_SIZE = 16
SMALL_SIZE = 14  # the smallest print on the page


@dataclass(frozen=True)
class Recipient:
    postal_code: str  # ###-####
    address: str
    name: str
    expiring: Sequence[tuple[date, int]]  # (last usable day, coins), soonest first


@dataclass(frozen=True)
class Sender:
    town: str
    department: str


def _ymd(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _address_block(canvas: Canvas, recipient: Recipient, page_height: float) -> None:
    x, from_top, width, _ = WINDOW
    top = page_height - from_top
    canvas.setFont(JAPANESE_FONT, SMALL_SIZE)
    canvas.drawString(x, top - SMALL_SIZE, f"〒{recipient.postal_code}")
    under = cjk_paragraph(canvas, recipient.address, size=SMALL_SIZE, x=x, top=top - SMALL_SIZE * 1.6, width=width)
    cjk_paragraph(canvas, f"{recipient.name} 様", size=20, x=x, top=under - 6, width=width)


def _sender_block(canvas: Canvas, sender: Sender, issued_on: date, page_height: float) -> None:
    width = A4[0] - MARGIN - SENDER_X
    top = page_height - WINDOW[1]
    for line in (_ymd(issued_on), sender.town, sender.department):
        top = cjk_paragraph(canvas, line, size=SMALL_SIZE, x=SENDER_X, top=top, width=width)


def _expiry_table(canvas: Canvas, expiring: Sequence[tuple[date, int]], *, top: float) -> float:
    """Date and amount, one row each, in 20 pt; returns the y under the table."""
    size, row = 20, 32
    left, right = MARGIN + 10 * mm, A4[0] - MARGIN - 10 * mm
    canvas.setFont(JAPANESE_FONT, SMALL_SIZE)
    canvas.drawString(left, top - SMALL_SIZE, "使える最後の日")
    canvas.drawRightString(right, top - SMALL_SIZE, "金額")
    y = top - SMALL_SIZE - 8
    canvas.setLineWidth(1)
    canvas.line(left, y, right, y)
    canvas.setFont(JAPANESE_FONT, size)
    for day, amount in expiring:
        y -= row
        canvas.drawString(left, y + 10, _ymd(day))
        canvas.drawRightString(right, y + 10, f"{amount:,}円")
        canvas.line(left, y, right, y)
    return float(y)


def _page(canvas: Canvas, recipient: Recipient, *, sender: Sender, coin_name: str, issued_on: date) -> None:
    page_width, page_height = A4
    width = page_width - 2 * MARGIN
    _address_block(canvas, recipient, page_height)
    _sender_block(canvas, sender, issued_on, page_height)

    top = page_height - FOLD - 12 * mm
    top = cjk_paragraph(canvas, f"{coin_name}の有効期限のお知らせ", size=24, x=MARGIN, top=top, width=width) - 14
    top = cjk_paragraph(canvas, f"{recipient.name} 様", size=BODY_SIZE, x=MARGIN, top=top, width=width) - 8
    body = (
        f"いつも{coin_name}をご利用いただき、ありがとうございます。"
        "お持ちのコインのうち、次の金額は、下の日を過ぎると使えなくなります。お早めにお使いください。"
    )
    top = cjk_paragraph(canvas, body, size=BODY_SIZE, x=MARGIN, top=top, width=width) - 16
    top = _expiry_table(canvas, recipient.expiring, top=top) - 20
    for text in (
        "今の残高は、役場にある端末で支払いカードを読み取り、暗証番号を入れると、大きな文字で確かめられます。",
        f"わからないことは、{sender.town} {sender.department}にお尋ねください。",
    ):
        top = cjk_paragraph(canvas, text, size=BODY_SIZE, x=MARGIN, top=top, width=width) - 10
    note = "このお知らせは、連絡の方法に「郵便」を選んだ方にお送りしています。方法は役場の窓口で変えられます。"
    cjk_paragraph(canvas, note, size=SMALL_SIZE, x=MARGIN, top=top - 10, width=width)


def expiry_letters_pdf(*, recipients: Sequence[Recipient], sender: Sender, coin_name: str, issued_on: date) -> bytes:
    """One letter per page, in the order given."""
    _font_registered()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    canvas.setTitle(f"{coin_name} 有効期限のお知らせ {_ymd(issued_on)}")
    canvas.setAuthor(sender.town)
    canvas.setCreator("Hiroba")
    canvas.setSubject("Expiry notices")
    for recipient in recipients:
        _page(canvas, recipient, sender=sender, coin_name=coin_name, issued_on=issued_on)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
