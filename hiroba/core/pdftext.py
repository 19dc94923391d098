"""Japanese text on ReportLab canvases (letters, receipts): wrapped paragraphs in the PDF standard CID font with
CJK line breaking, placed by their top edge. Free of Django."""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]
from reportlab.platypus import Paragraph  # type: ignore[import-untyped]

from hiroba.wallet.formats.poster import JAPANESE_FONT


def cjk_style(size: float, *, leading: float = 1.5) -> ParagraphStyle:
    return ParagraphStyle(
        f"hiroba-{size}-{leading}", fontName=JAPANESE_FONT, fontSize=size, leading=size * leading, wordWrap="CJK"
    )


def cjk_paragraph(
    canvas: Canvas, text: str, *, size: float, x: float, top: float, width: float, leading: float = 1.5
) -> float:
    """Draws `text` (plain, wrapped) with its top at `top`; returns the y under it."""
    paragraph = Paragraph(escape(text), cjk_style(size, leading=leading))
    _, height = paragraph.wrapOn(canvas, width, 10_000)
    paragraph.drawOn(canvas, x, top - height)
    return float(top - height)
