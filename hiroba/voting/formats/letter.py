"""Voting-credential letters, free of Django: what the credential authority puts in the envelope with the
polling-admission card (入場券).

One A4 page per voter, in large print (body 16 pt, nothing under 14 pt): the town and the poll, the voter's name and
short reference, the credential in large monospaced groups with its QR code, the booth's address, the closing time,
short instructions in Japanese, in やさしい日本語 and in one English line, and the warning that nobody from the town
will ever ask for it. Japanese is set in the PDF standard CID font (nothing embedded), the credential in Courier
(Base58 has no 0/O or l/I to confuse); the canvas is invariant, so the same input gives the same bytes.

`letter_texts` holds the words; the authority's in-browser letters print the same ones.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.lib.utils import ImageReader  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]
from reportlab.platypus import Paragraph  # type: ignore[import-untyped]

from hiroba.core.pdftext import cjk_paragraph, cjk_style
from hiroba.wallet.formats.poster import JAPANESE_FONT, _font_registered, qr_png

MARGIN = 15 * mm
BODY_SIZE = 16
SMALL_SIZE = 14  # the smallest print on the page
CREDENTIAL_FONT = "Courier-Bold"
CREDENTIAL_SIZE = 28
URL_FONT = "Courier-Bold"
QR_SIDE = 34 * mm
QR_SCALE = 8  # PNG pixels per module before the PDF scales it
WEEKDAYS = "月火水木金土日"


@dataclass(frozen=True)
class LetterPoll:
    town: str
    title: str
    booth_url: str  # <site>/polls/<uuid>/vote/
    closes_at: datetime  # in the town's local time


@dataclass(frozen=True)
class LetterVoter:
    name: str
    reference: str
    credential: str  # XXX-XXX-XXX-XXX-XXX


@dataclass(frozen=True)
class LetterTexts:
    heading: str
    keep: str
    credential_label: str
    reference_label: str
    booth_label: str
    closes_label: str
    closes: str
    steps: tuple[str, ...]
    easy: tuple[str, ...]
    english: str
    warning: str
    warning_easy: str


LEADING = 1.45


def _para(canvas: Canvas, text: str, *, size: float, x: float, top: float, width: float) -> float:
    return cjk_paragraph(canvas, text, size=size, x=x, top=top, width=width, leading=LEADING)


def closing_text(moment: datetime) -> str:
    """2026年7月5日(日) 20時00分."""
    return (
        f"{moment.year}年{moment.month}月{moment.day}日({WEEKDAYS[moment.weekday()]}) "
        f"{moment.hour}時{moment.minute:02d}分"
    )


def letter_texts(poll: LetterPoll, *, qr: bool = True) -> LetterTexts:
    """The words of every letter of this poll (the name, reference and credential are each voter's own); `qr`: the
    letter shows the credential's QR code (the PDF does; the letters printed from the browser do not)."""
    return LetterTexts(
        heading="投票用認証情報のお知らせ",
        keep="入場券といっしょに、投票が終わるまで大切に保管してください。",
        credential_label="あなたの投票用認証情報",
        reference_label="整理番号",
        booth_label="投票するページ",
        closes_label="投票の締め切り",
        closes=closing_text(poll.closes_at),
        steps=(
            "1. 上のページを開き、マイナンバーカードでログインします。",
            "2. 認証情報を入力するか、QRコードを読み取って投票します。"
            if qr
            else "2. 上の認証情報を入力して投票します。",
            "3. 締め切りまで何度でも投票し直せます(最後の投票が有効)。",
        ),
        easy=(
            "この 紙の 文字と 数字で、インターネットで 投票が できます。",
            "マイナンバーカードで ログインして、この 文字と 数字を 入れて ください。",
        ),
        english=(
            "Your voting credential: open the page above, sign in with your My Number Card and enter it to vote "
            "(you may vote again until the poll closes; the last vote counts)."
        ),
        warning=(
            f"{poll.town}の職員や選挙管理委員会が、この認証情報をたずねることは絶対にありません。"
            "電話・メール・訪問でたずねられても、教えないでください。"
        ),
        warning_easy="役所の 人が この 文字を 聞くことは ありません。だれにも 教えないで ください。",
    )


def _url_lines(url: str, *, size: float, width: float) -> list[str]:
    """The address cut into lines that fit `width`, after a slash where possible (never shrunk below large print)."""
    per_line = max(1, int(width // pdfmetrics.stringWidth("M", URL_FONT, size)))
    lines: list[str] = []
    rest = url
    while len(rest) > per_line:
        cut = rest.rfind("/", 0, per_line) + 1 or per_line
        lines.append(rest[:cut])
        rest = rest[cut:]
    return [*lines, rest]


def _framed(canvas: Canvas, texts: Sequence[str], *, top: float, size: float = BODY_SIZE) -> float:
    """Paragraphs in a frame; returns the y under the frame."""
    page_width = A4[0]
    width = page_width - 2 * MARGIN
    inner = width - 10 * mm
    paragraphs = [Paragraph(escape(text), cjk_style(size, leading=LEADING)) for text in texts]
    heights = [p.wrapOn(canvas, inner, 10_000)[1] for p in paragraphs]
    height = sum(heights) + 8 * mm + 2 * (len(texts) - 1)
    bottom = top - height
    canvas.setLineWidth(2)
    canvas.rect(MARGIN, bottom, width, height, stroke=1, fill=0)
    y = top - 4 * mm
    for paragraph, h in zip(paragraphs, heights, strict=True):
        paragraph.drawOn(canvas, MARGIN + 5 * mm, y - h)
        y -= h + 2
    return float(bottom)


def _credential_box(canvas: Canvas, voter: LetterVoter, texts: LetterTexts, *, top: float) -> float:
    """The framed credential with its label and QR code; returns the y under the frame."""
    page_width = A4[0]
    left, right = MARGIN, page_width - MARGIN
    height = QR_SIDE + 8 * mm
    bottom = top - height
    canvas.setLineWidth(2)
    canvas.rect(left, bottom, right - left, height, stroke=1, fill=0)
    canvas.setFont(JAPANESE_FONT, BODY_SIZE)
    canvas.drawString(left + 5 * mm, top - 5 * mm - BODY_SIZE, texts.credential_label)
    canvas.setFont(CREDENTIAL_FONT, CREDENTIAL_SIZE)
    canvas.drawString(left + 5 * mm, bottom + 9 * mm, voter.credential)
    qr = ImageReader(io.BytesIO(qr_png(voter.credential, scale=QR_SCALE)))
    canvas.drawImage(qr, right - 4 * mm - QR_SIDE, bottom + 4 * mm, width=QR_SIDE, height=QR_SIDE)
    return float(bottom)


def _page(canvas: Canvas, poll: LetterPoll, texts: LetterTexts, voter: LetterVoter) -> None:
    page_width, page_height = A4
    width = page_width - 2 * MARGIN
    top = page_height - MARGIN
    top = _para(canvas, f"{poll.town} {texts.heading}", size=BODY_SIZE, x=MARGIN, top=top, width=width) - 2
    top = _para(canvas, poll.title, size=20, x=MARGIN, top=top, width=width) - 8
    top = _para(canvas, f"{voter.name} 様", size=22, x=MARGIN, top=top, width=width)
    top = _para(canvas, f"{texts.reference_label} {voter.reference}", size=SMALL_SIZE, x=MARGIN, top=top, width=width)
    top = _para(canvas, texts.keep, size=SMALL_SIZE, x=MARGIN, top=top, width=width) - 6
    top = _credential_box(canvas, voter, texts, top=top) - 8
    top = _framed(canvas, [texts.warning, texts.warning_easy], top=top) - 8

    top = _para(canvas, f"{texts.booth_label}:", size=BODY_SIZE, x=MARGIN, top=top, width=width)
    canvas.setFont(URL_FONT, BODY_SIZE)
    for line in _url_lines(poll.booth_url, size=BODY_SIZE, width=width):
        top -= BODY_SIZE * 1.3
        canvas.drawString(MARGIN, top + 4, line)
    top = _para(canvas, f"{texts.closes_label}: {texts.closes}", size=BODY_SIZE, x=MARGIN, top=top, width=width)
    top -= 6
    for step in texts.steps:
        top = _para(canvas, step, size=BODY_SIZE, x=MARGIN, top=top, width=width)
    top -= 6
    for line in texts.easy:
        top = _para(canvas, line, size=BODY_SIZE, x=MARGIN, top=top, width=width)
    _para(canvas, texts.english, size=SMALL_SIZE, x=MARGIN, top=top - 6, width=width)


def credential_letters_pdf(*, poll: LetterPoll, voters: Sequence[LetterVoter]) -> bytes:
    """One letter per page, in the order given."""
    _font_registered()
    texts = letter_texts(poll)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    canvas.setTitle(f"{poll.title} {texts.heading}")
    canvas.setAuthor(poll.town)
    canvas.setCreator("Hiroba")
    canvas.setSubject("Voting credentials")
    for voter in voters:
        _page(canvas, poll, texts, voter)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
