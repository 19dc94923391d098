"""A resident's printed payment card, credit-card size (ID-1, 85.6 × 54 mm), free of Django.

The QR carries only the card ID: the PIN is never printed, never encoded, and never passes through here. Japanese is
set in the PDF standard CID font (nothing embedded but the QR image), and the canvas is invariant: the same input
gives the same bytes (no creation date, no random document ID).
"""

from __future__ import annotations

import io

from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.lib.utils import ImageReader  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from hiroba.wallet.formats.poster import ID_FONT, JAPANESE_FONT, LATIN_FONT, _fitted, _font_registered, qr_png

CARD_SIZE = (85.6 * mm, 54.0 * mm)
PAD = 3.5 * mm
QR_SIDE = 30.0 * mm
BAND = 11.0 * mm


def card_pdf(*, card_id: str, holder: str, coin_name: str, town: str, daily_limit: int) -> bytes:
    """One card-sized page: the coin's band, the holder's name and town, the card ID as QR and as text."""
    _font_registered()
    buffer = io.BytesIO()
    width, height = CARD_SIZE
    canvas = Canvas(buffer, pagesize=CARD_SIZE, invariant=1, pageCompression=1)
    canvas.setTitle(f"{coin_name} – {card_id}")
    canvas.setAuthor("Hiroba")
    canvas.setCreator("Hiroba")
    canvas.setSubject("Printed payment card")

    # the band: which coin the card pays with
    canvas.setFillGray(0.15)
    canvas.rect(0, height - BAND, width, BAND, stroke=0, fill=1)
    canvas.setFillGray(1)
    band_text = f"{coin_name} 支払いカード"
    canvas.setFont(JAPANESE_FONT, _fitted(band_text, JAPANESE_FONT, 11, width - 2 * PAD))
    canvas.drawString(PAD, height - BAND + 3.8 * mm, band_text)

    # the QR with the card ID only, on the right
    canvas.setFillGray(0)
    qr_x, qr_y = width - PAD - QR_SIDE, PAD + 4 * mm
    canvas.drawImage(ImageReader(io.BytesIO(qr_png(card_id, scale=6))), qr_x, qr_y, QR_SIDE, QR_SIDE)
    canvas.setFont(ID_FONT, 7.5)
    canvas.drawCentredString(qr_x + QR_SIDE / 2, PAD + 0.8 * mm, card_id)

    # the holder, the town, the limit and how to pay, on the left
    text_width = qr_x - 2 * PAD
    y = height - BAND - 7 * mm
    canvas.setFont(JAPANESE_FONT, _fitted(holder, JAPANESE_FONT, 12, text_width))
    canvas.drawString(PAD, y, holder)
    y -= 5 * mm
    canvas.setFont(JAPANESE_FONT, _fitted(town, JAPANESE_FONT, 8, text_width))
    canvas.drawString(PAD, y, town)
    y -= 6 * mm
    lines = (
        f"1日の上限 {daily_limit:,}円",
        "お店の端末で暗証番号を入力",
        f"Daily limit ¥{daily_limit:,}",
        "Enter your PIN at the shop",
    )
    for line in lines:
        font = LATIN_FONT if line.isascii() else JAPANESE_FONT
        canvas.setFont(font, _fitted(line, font, 6.5, text_width))
        canvas.drawString(PAD, y, line)
        y -= 3.4 * mm
    canvas.setFont(JAPANESE_FONT, _fitted("紛失したら役場の窓口へ", JAPANESE_FONT, 6, text_width))
    canvas.drawString(PAD, PAD + 0.8 * mm, "紛失したら役場の窓口へ")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
