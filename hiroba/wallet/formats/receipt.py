"""The counter's receipt (領収書) for coins bought with cash, as a large-print A5 PDF, free of Django.

It says what was bought (the area's coin, a prepaid payment instrument, 前払式支払手段) and whether the coins can be
paid back, so a resident who keeps only this paper knows both. Japanese is set in the standard CID font
HeiseiKakuGo-W5 (nothing embedded) and the canvas is invariant: the same input gives the same bytes.
"""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A5  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

JAPANESE_FONT = "HeiseiKakuGo-W5"
LATIN_FONT = "Helvetica"
MARGIN = 36.0


def _font_registered() -> None:
    if JAPANESE_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(JAPANESE_FONT))


def _fitted(text: str, size: float, width: float) -> float:
    natural = pdfmetrics.stringWidth(text, JAPANESE_FONT, size)
    return size if natural <= width else max(8.0, size * width / natural)


def _wrapped(text: str, size: float, width: float) -> list[str]:
    """Lines of `text` no wider than `width`: Japanese breaks between any characters, English at spaces."""
    lines: list[str] = []
    line = ""
    for char in text:
        if pdfmetrics.stringWidth(line + char, JAPANESE_FONT, size) <= width or not line:
            line += char
            continue
        cut = line.rfind(" ") if char.isascii() and char != " " and line[-1:].isascii() else -1
        if cut > 0:
            lines.append(line[:cut])
            line = line[cut + 1 :] + char
        else:
            lines.append(line)
            line = char.lstrip()
    if line.strip():
        lines.append(line)
    return [line.strip() for line in lines]


WIDTH, HEIGHT = float(A5[0]), float(A5[1])
INNER = WIDTH - 2 * MARGIN


def _centred(canvas: Canvas, text: str, size: float, y: float) -> None:
    canvas.setFont(JAPANESE_FONT, _fitted(text, size, INNER))
    canvas.drawCentredString(WIDTH / 2, y, text)


def _left(canvas: Canvas, text: str, size: float, y: float) -> None:
    canvas.setFont(JAPANESE_FONT, _fitted(text, size, INNER))
    canvas.drawString(MARGIN, y, text)


def _paragraph(canvas: Canvas, text: str, size: float, y: float) -> float:
    """`text` wrapped to the page from baseline `y`; returns the baseline below its last line."""
    for line in _wrapped(text, size, INNER):
        _left(canvas, line, size, y)
        y -= size * 1.4
    return y


def receipt_pdf(
    *, town: str, receipt_number: str, resident_name: str, amount: int, issued_at: str, coin_name: str, note: str
) -> bytes:
    """One A5 page: 領収書, the resident, the amount in large figures, what it was for, the refund rule, the town."""
    _font_registered()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A5, invariant=1, pageCompression=1)
    canvas.setTitle(f"領収書 {receipt_number}")
    canvas.setAuthor(town)
    canvas.setCreator("Hiroba")
    canvas.setSubject(f"Receipt for {coin_name}")

    _centred(canvas, "領収書", 34, HEIGHT - MARGIN - 34)
    _centred(canvas, "Receipt", 14, HEIGHT - MARGIN - 54)
    canvas.setFont(LATIN_FONT, 11)  # the number in a Latin font: the CID font's underscore reads back wrongly
    canvas.drawRightString(WIDTH - MARGIN, HEIGHT - MARGIN - 78, f"No. {receipt_number}")
    canvas.setFont(JAPANESE_FONT, 11)
    canvas.drawRightString(WIDTH - MARGIN, HEIGHT - MARGIN - 94, f"発行日時 / Issued: {issued_at}")

    y = HEIGHT - MARGIN - 132
    _left(canvas, f"{resident_name} 様", 22, y)
    canvas.line(MARGIN, y - 6, WIDTH - MARGIN, y - 6)

    # the amount, in a box and in the largest print on the page
    box_top = y - 24
    canvas.setLineWidth(2)
    canvas.rect(MARGIN, box_top - 72, INNER, 72, stroke=1, fill=0)
    canvas.setLineWidth(1)
    canvas.setFont(JAPANESE_FONT, 12)
    canvas.drawString(MARGIN + 10, box_top - 18, "金額 / Amount")
    _centred(canvas, f"¥{amount:,}-", 36, box_top - 58)

    y = box_top - 100
    _left(canvas, f"但し {coin_name} 購入代金として（現金）", 15, y)
    _left(canvas, f"For {coin_name}, paid in cash", 12, y - 20)
    _left(canvas, "上記の金額を正に領収いたしました。", 15, y - 46)

    # what the coins are and whether they can be paid back
    y -= 84
    canvas.setStrokeGray(0.5)
    canvas.line(MARGIN, y + 18, WIDTH - MARGIN, y + 18)
    y = _paragraph(canvas, f"{coin_name}は前払式支払手段です。", 13, y)
    y = _paragraph(canvas, f"{coin_name} is a prepaid payment instrument.", 11, y)
    _paragraph(canvas, f"払戻し / Refunds: {note}", 13, y - 4)

    # who received the money
    canvas.setFont(JAPANESE_FONT, 16)
    canvas.drawRightString(WIDTH - MARGIN, MARGIN + 22, town)
    canvas.setFont(JAPANESE_FONT, 11)
    canvas.drawRightString(WIDTH - MARGIN, MARGIN + 4, "窓口 / Counter")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
