"""The take-home receipt of a counter-assisted session, in large print (A4, 16 pt body), free of Django.

The same input gives the same bytes (invariant canvas). Japanese is set in the PDF standard CID font, so nothing is
embedded and any PDF reader shows it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from hiroba.wallet.formats.poster import JAPANESE_FONT, _font_registered

MARGIN = 20 * mm
BODY = 16.0
TITLE = 24.0
LEADING = 1.6  # Japanese body text wants generous line spacing


@dataclass(frozen=True)
class Receipt:
    town: str
    resident: str
    clerk: str
    started: str  # already formatted in Japanese, e.g. 2026年11月26日 14:05
    ended: str
    acts: Sequence[str]  # one sentence per act, in the order done
    notes: Sequence[str]


def wrapped(text: str, *, font: str, size: float, width: float) -> list[str]:
    """Break `text` into lines no wider than `width`, at any character (Japanese has no spaces between words), but
    never leave a closing bracket or full stop at the start of a line (禁則)."""
    lines: list[str] = []
    line = ""
    for char in text:
        if line and pdfmetrics.stringWidth(line + char, font, size) > width and char not in "。、）」』】":
            lines.append(line)
            line = ""
        line += char
    if line:
        lines.append(line)
    return lines


def receipt_pdf(receipt: Receipt) -> bytes:
    _font_registered()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    canvas.setTitle(f"{receipt.town} 窓口でのお手続きの控え")
    canvas.setAuthor("Hiroba")
    canvas.setCreator("Hiroba")
    width, height = A4
    text_width = width - 2 * MARGIN
    y = height - MARGIN - TITLE

    def line(text: str, size: float = BODY, indent: float = 0.0) -> None:
        nonlocal y
        for part in wrapped(text, font=JAPANESE_FONT, size=size, width=text_width - indent):
            if y < MARGIN + size:
                canvas.showPage()
                y = height - MARGIN - size
            canvas.setFont(JAPANESE_FONT, size)
            canvas.drawString(MARGIN + indent, y, part)
            y -= size * LEADING

    line("窓口でのお手続きの控え", TITLE)
    y -= BODY * 0.5
    line(f"{receipt.resident} 様")
    line(f"{receipt.town}　担当 {receipt.clerk}")
    line(f"{receipt.started} から {receipt.ended} まで")
    y -= BODY * 0.5
    line("職員が代わりに行ったこと", BODY + 2)
    if not receipt.acts:
        line("（操作はありませんでした）", indent=8 * mm)
    for n, act in enumerate(receipt.acts, start=1):
        line(f"{n}. {act}", indent=4 * mm)
    y -= BODY * 0.5
    for note in receipt.notes:
        line(f"※ {note}", BODY - 2)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
