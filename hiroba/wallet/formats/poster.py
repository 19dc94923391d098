"""A shop's printable A4 poster: "we accept the coin", its store QR and the shop ID to type in, free of Django.

Text is Japanese and English side by side (a poster is read by everyone who passes). Japanese is set in the PDF
standard CID font HeiseiKakuGo-W5, which viewers supply, so nothing is embedded but the QR image. The canvas is
invariant: the same input gives the same bytes (no creation date, no random document ID).
"""

from __future__ import annotations

import io

import segno
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.utils import ImageReader  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

JAPANESE_FONT = "HeiseiKakuGo-W5"
LATIN_FONT = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
ID_FONT = "Courier-Bold"  # the typed fallback: 0/O and 1/l must not be confused
MARGIN = 48.0
QR_SIDE = 290.0  # points (about 100 mm): readable from a counter's distance
QR_SCALE = 10  # PNG pixels per module before the PDF scales it

INSTRUCTIONS_JA = (
    "1. アプリでQRコードを読み取るか、下の店舗IDを入力します。",
    "2. お支払い金額を入力し、画面をお店の人に見せてください。",
)
INSTRUCTIONS_EN = (
    "1. Scan the QR code with the app, or type in the shop ID below it.",
    "2. Enter the amount and show your screen to the shop staff.",
)


def qr_png(payload: str, *, scale: int = QR_SCALE) -> bytes:
    """The payload as a QR code in PNG, byte mode with UTF-8 (the CRC of a JPQR payload is over its UTF-8 bytes)."""
    buffer = io.BytesIO()
    segno.make_qr(payload.encode("utf-8"), error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def _font_registered() -> None:
    if JAPANESE_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(JAPANESE_FONT))


def _fitted(text: str, font: str, size: float, width: float) -> float:
    """The largest size at most `size` at which `text` fits `width` (long shop names shrink, never overflow)."""
    natural = pdfmetrics.stringWidth(text, font, size)
    return size if natural <= width else max(8.0, size * width / natural)


def _centred(canvas: Canvas, text: str, *, font: str, size: float, y: float) -> None:
    page_width = A4[0]
    fitted = _fitted(text, font, size, page_width - 2 * MARGIN)
    canvas.setFont(font, fitted)
    canvas.drawCentredString(page_width / 2, y, text)


def poster_pdf(*, coin_name: str, shop_name: str, shop_id: str, qr_payload: str, town: str) -> bytes:
    """One A4 page: coin name, "we accept", shop name and town, the store QR, the shop ID, how to pay."""
    _font_registered()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    canvas.setTitle(f"{shop_name} – {coin_name}")
    canvas.setAuthor("Hiroba")
    canvas.setCreator("Hiroba")
    canvas.setSubject("We accept " + coin_name)
    width, height = A4

    # the band at the top: which coin is taken here
    canvas.setFillGray(0.15)
    canvas.rect(0, height - 150, width, 150, stroke=0, fill=1)
    canvas.setFillGray(1)
    _centred(canvas, coin_name, font=JAPANESE_FONT, size=44, y=height - 80)
    _centred(canvas, "ご利用いただけます", font=JAPANESE_FONT, size=26, y=height - 115)
    _centred(canvas, f"We accept {coin_name}", font=JAPANESE_FONT, size=16, y=height - 138)  # the name may be kana

    canvas.setFillGray(0)
    _centred(canvas, shop_name, font=JAPANESE_FONT, size=30, y=height - 200)
    _centred(canvas, town, font=JAPANESE_FONT, size=14, y=height - 222)

    # the store QR: the resident types the amount after scanning
    qr_bottom = height - 240 - QR_SIDE
    canvas.drawImage(ImageReader(io.BytesIO(qr_png(qr_payload))), (width - QR_SIDE) / 2, qr_bottom, QR_SIDE, QR_SIDE)

    # the shop ID: what to type when the camera cannot read the code
    _centred(canvas, "店舗ID / Shop ID", font=JAPANESE_FONT, size=13, y=qr_bottom - 22)
    _centred(canvas, shop_id, font=ID_FONT, size=34, y=qr_bottom - 60)

    canvas.setStrokeGray(0.6)
    canvas.line(MARGIN, qr_bottom - 80, width - MARGIN, qr_bottom - 80)
    y = qr_bottom - 104
    _centred(canvas, "お支払いの方法", font=JAPANESE_FONT, size=14, y=y)
    y -= 22
    for line in INSTRUCTIONS_JA:
        canvas.setFont(JAPANESE_FONT, _fitted(line, JAPANESE_FONT, 12, width - 2 * MARGIN))
        canvas.drawString(MARGIN, y, line)
        y -= 18
    y -= 8
    _centred(canvas, "How to pay", font=LATIN_BOLD, size=13, y=y)
    y -= 20
    for line in INSTRUCTIONS_EN:
        canvas.setFont(LATIN_FONT, _fitted(line, LATIN_FONT, 11, width - 2 * MARGIN))
        canvas.drawString(MARGIN, y, line)
        y -= 16

    canvas.setFont(LATIN_FONT, 9)
    canvas.setFillGray(0.35)
    canvas.drawCentredString(width / 2, MARGIN / 2, "Hiroba")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
