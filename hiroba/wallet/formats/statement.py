"""A merchant's settlement statement as an A4 PDF, free of Django.

The first page holds who issues it and to whom, the period's totals and the fee as a qualified invoice
(適格請求書: issuer and registration number, period, description, amount at the 10% rate including tax and the
consumption tax in it); the transactions follow in a table that runs on over as many pages as it needs. Japanese
is set in the standard CID font HeiseiKakuGo-W5 (nothing embedded) and the canvas is invariant: the same input
gives the same bytes.
"""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

JAPANESE_FONT = "HeiseiKakuGo-W5"
LATIN_FONT = "Helvetica"
MARGIN = 48.0
ROW = 15.0  # points per transaction row
TABLE_BOTTOM = MARGIN + 24  # room for the page footer
FIRST_TABLE_TOP = 842 - 412.0  # below the first page's header, totals and invoice box
NEXT_TABLE_TOP = 842 - MARGIN - 40  # below the continued pages' heading
TAX_RATE_PERCENT = 10


def _font_registered() -> None:
    if JAPANESE_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(JAPANESE_FONT))


def _yen(amount: int) -> str:
    return f"{amount:,} 円"


def _fit(canvas: Canvas, text: str, *, font: str, size: float, width: float) -> str:
    """Set the largest size at most `size` (down to 6 pt) at which `text` fits `width`; cut it with … beyond."""
    natural = pdfmetrics.stringWidth(text, font, size)
    fitted = size if natural <= width else max(6.0, size * width / natural)
    canvas.setFont(font, fitted)
    while len(text) > 1 and pdfmetrics.stringWidth(text, font, fitted) > width:
        text = text[:-2] + "…"
    return text


def _rows_per_page(top: float) -> int:
    return int((top - TABLE_BOTTOM - ROW) // ROW)  # one row goes to the column headings


def _pages(count: int) -> list[tuple[int, int]]:
    """Slices of the transaction list, one per page (the first page has less room; an empty list gets one page)."""
    first = _rows_per_page(FIRST_TABLE_TOP)
    slices = [(0, min(count, first))]
    start = first
    while start < count:
        end = min(count, start + _rows_per_page(NEXT_TABLE_TOP))
        slices.append((start, end))
        start = end
    return slices


def _labelled(canvas: Canvas, y: float, label: str, value: str, *, left: float, right: float, size: float) -> None:
    canvas.setFont(JAPANESE_FONT, size)
    canvas.drawString(left, y, label)
    canvas.drawRightString(right, y, value)


WIDTH, HEIGHT = float(A4[0]), float(A4[1])
RIGHT = WIDTH - MARGIN
HALF = WIDTH / 2


def _parties(canvas: Canvas, *, shop_name: str, shop_id: str, period: str, operator: str, invoice: str) -> None:
    """The heading, the shop it is for (left) and who issues it (right)."""
    canvas.setFont(JAPANESE_FONT, 20)
    canvas.drawString(MARGIN, HEIGHT - MARGIN - 20, "精算明細書")
    canvas.setFont(LATIN_FONT, 12)
    canvas.drawString(MARGIN + 108, HEIGHT - MARGIN - 20, "Settlement statement")
    canvas.setStrokeGray(0.3)
    canvas.line(MARGIN, HEIGHT - MARGIN - 30, RIGHT, HEIGHT - MARGIN - 30)
    y = HEIGHT - MARGIN - 56
    canvas.drawString(MARGIN, y, _fit(canvas, f"{shop_name} 御中", font=JAPANESE_FONT, size=15, width=HALF - MARGIN))
    canvas.setFont(JAPANESE_FONT, 10)
    label = "店舗ID / Shop ID: "
    canvas.drawString(MARGIN, y - 18, label)
    canvas.setFont(LATIN_FONT, 10)  # IDs in a Latin font: the CID font's underscore reads back as another character
    canvas.drawString(MARGIN + pdfmetrics.stringWidth(label, JAPANESE_FONT, 10), y - 18, shop_id)
    canvas.setFont(JAPANESE_FONT, 10)
    canvas.drawString(MARGIN, y - 32, f"対象期間 / Period: {period}")
    canvas.drawString(HALF + 12, y, _fit(canvas, operator, font=JAPANESE_FONT, size=12, width=RIGHT - HALF - 12))
    canvas.setFont(JAPANESE_FONT, 10)
    canvas.drawString(HALF + 12, y - 18, f"登録番号 / Registration No.: {invoice}")


def _summary(canvas: Canvas, *, gross: int, refunds: int, fee: int, fee_rate_text: str, payout: int) -> float:
    """The period's totals down to the transfer; returns the baseline of the last line."""
    y = HEIGHT - MARGIN - 116
    canvas.setFont(JAPANESE_FONT, 12)
    canvas.drawString(MARGIN, y, "お支払額の内訳 / Summary")
    totals = (
        ("売上 / Payments", _yen(gross)),
        ("返金 / Refunds", _yen(-refunds)),
        (f"手数料（税込 {fee_rate_text}） / Fee incl. tax", _yen(-fee)),
    )
    y -= 22
    for label, value in totals:
        _labelled(canvas, y, label, value, left=MARGIN + 8, right=RIGHT - 8, size=11)
        y -= 18
    canvas.line(MARGIN, y + 12, RIGHT, y + 12)
    y -= 6
    _labelled(canvas, y, "振込額 / Transfer", _yen(payout), left=MARGIN + 8, right=RIGHT - 8, size=14)
    return y


def _invoice(canvas: Canvas, top: float, rows: tuple[tuple[str, str], ...]) -> None:
    """The fee as a qualified invoice, boxed."""
    canvas.rect(MARGIN, top - 116, RIGHT - MARGIN, 116, stroke=1, fill=0)
    y = top - 20
    canvas.setFont(JAPANESE_FONT, 12)
    canvas.drawString(MARGIN + 8, y, "適格請求書 / Qualified invoice")
    y -= 18
    for label, value in rows:
        canvas.setFont(JAPANESE_FONT, 10)
        canvas.drawString(MARGIN + 16, y, label)
        text = _fit(canvas, value, font=JAPANESE_FONT, size=10, width=RIGHT - 8 - (HALF - 20))
        canvas.drawRightString(RIGHT - 8, y, text)
        y -= 17


def _table(canvas: Canvas, top: float, rows: list[tuple[str, str, int]]) -> None:
    """Column headings below `top`, then one row per transaction (or a line saying there are none)."""
    y = top - ROW
    canvas.setFont(JAPANESE_FONT, 9)
    canvas.setFillGray(0.35)
    canvas.drawString(MARGIN + 4, y, "日時 / Time")
    canvas.drawString(MARGIN + 120, y, "区分 / Kind")
    canvas.drawString(MARGIN + 200, y, "取引 / Transaction")
    canvas.drawRightString(RIGHT - 4, y, "金額 / Amount")
    canvas.setFillGray(0)
    canvas.line(MARGIN, y - 4, RIGHT, y - 4)
    for when, key, amount in rows:
        y -= ROW
        canvas.setFont(LATIN_FONT, 9)
        canvas.drawString(MARGIN + 4, y, when)
        canvas.setFont(JAPANESE_FONT, 9)
        canvas.drawString(MARGIN + 120, y, "支払 / payment" if amount >= 0 else "返金 / refund")
        canvas.drawString(MARGIN + 200, y, _fit(canvas, key, font=LATIN_FONT, size=9, width=RIGHT - MARGIN - 290))
        canvas.setFont(JAPANESE_FONT, 9)
        canvas.drawRightString(RIGHT - 4, y, _yen(amount))
    if not rows:
        canvas.setFont(JAPANESE_FONT, 9)
        canvas.drawString(MARGIN + 4, y - ROW, "この期間の取引はありません / No transactions in this period")


def statement_pdf(
    *,
    operator_name: str,
    invoice_number: str,
    shop_name: str,
    shop_id: str,
    period: str,
    lines: list[tuple[str, str, int]],
    gross: int,
    refunds: int,
    fee: int,
    fee_rate_text: str,
    tax: int,
    payout: int,
) -> bytes:
    """The statement: `lines` are (local time, transaction key, amount; refunds negative); the fee includes `tax`."""
    _font_registered()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    canvas.setTitle(f"精算明細書 {shop_name} {period}")
    canvas.setAuthor(operator_name or "Hiroba")
    canvas.setCreator("Hiroba")
    canvas.setSubject("Settlement statement")

    _parties(
        canvas, shop_name=shop_name, shop_id=shop_id, period=period, operator=operator_name, invoice=invoice_number
    )
    y = _summary(canvas, gross=gross, refunds=refunds, fee=fee, fee_rate_text=fee_rate_text, payout=payout)
    _invoice(
        canvas,
        y - 26,
        (
            ("発行者 / Issuer", f"{operator_name}（登録番号 {invoice_number}）"),
            ("取引期間 / Period", period),
            ("内容 / Description", f"決済手数料 / Payment fee ({fee_rate_text})"),
            (f"{TAX_RATE_PERCENT}%対象（税込） / At {TAX_RATE_PERCENT}% incl. tax", _yen(fee)),
            (f"うち消費税 {TAX_RATE_PERCENT}% / Consumption tax", _yen(tax)),
        ),
    )

    # the transactions, continued on as many pages as they need
    pages = _pages(len(lines))
    for number, (start, end) in enumerate(pages, start=1):
        canvas.setFont(JAPANESE_FONT, 12)
        if number == 1:
            canvas.drawString(MARGIN, FIRST_TABLE_TOP + 8, "取引明細 / Transactions")
        else:
            title = _fit(
                canvas,
                f"取引明細（続き） / Transactions (continued) — {shop_name}",
                font=JAPANESE_FONT,
                size=12,
                width=RIGHT - MARGIN,
            )
            canvas.drawString(MARGIN, HEIGHT - MARGIN - 12, title)
        _table(canvas, FIRST_TABLE_TOP if number == 1 else NEXT_TABLE_TOP, lines[start:end])
        canvas.setFont(LATIN_FONT, 8)
        canvas.setFillGray(0.35)
        canvas.drawString(MARGIN, MARGIN / 2, f"{shop_id} {period}")
        canvas.drawRightString(RIGHT, MARGIN / 2, f"{number} / {len(pages)}")
        canvas.setFillGray(0)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
