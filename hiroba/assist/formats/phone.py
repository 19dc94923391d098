"""What the automated phone line (and the kiosk's read-aloud button) says about a printed card's balance, and what
an SMS or a call says about coins about to expire, free of Django.

The balance comes in three variants: Japanese, やさしい日本語 (short sentences, words spaced, kana for hard words)
and English. Figures are written as a reader expects them (1,250円, 12月31日) and each variant has three renderings:
`text` as written, `ssml` for a voice gateway (each figure wrapped in <sub alias="kana reading">), and `reading`,
the text with every figure replaced by its kana reading, for speech engines without SSML (a browser's). Engines
guess figures wrong: 1日 is ついたち (not いちにち), 8,000円 is はっせんえん, 4月 is しがつ.

A coin's expiry date is its last usable day, so the scripts say "使えるのは12月31日まで" rather than "on 31 Dec".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

Variant = Literal["ja", "easy", "en"]
VARIANTS: tuple[Variant, ...] = ("ja", "easy", "en")
MAX_NUMBER = 10**12 - 1  # readings stop below 1兆: no balance comes near

_DIGITS = ("", "いち", "に", "さん", "よん", "ご", "ろく", "なな", "はち", "きゅう")
_HUNDREDS = {1: "ひゃく", 3: "さんびゃく", 6: "ろっぴゃく", 8: "はっぴゃく"}
_THOUSANDS = {1: "せん", 3: "さんぜん", 8: "はっせん"}
_LONE_THOUSAND = 1000  # before まん or おく it is いっせん: 一千万 = いっせんまん
_GROUPS = ((10**8, "おく"), (10**4, "まん"), (1, ""))
_MONTHS = {4: "しがつ", 7: "しちがつ", 9: "くがつ"}
_DAYS = {
    1: "ついたち", 2: "ふつか", 3: "みっか", 4: "よっか", 5: "いつか", 6: "むいか", 7: "なのか", 8: "ようか",
    9: "ここのか", 10: "とおか", 14: "じゅうよっか", 17: "じゅうしちにち", 19: "じゅうくにち", 20: "はつか",
    24: "にじゅうよっか", 27: "にじゅうしちにち", 29: "にじゅうくにち",
}  # fmt: skip
_EN_MONTHS = (
    "", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
)  # fmt: skip
_LANG = {"ja": "ja-JP", "easy": "ja-JP", "en": "en-US"}

Figure = tuple[str, str]  # (as written, as read)
Segment = str | Figure
Expiring = Sequence[tuple[date, int]]  # (last usable day, amount), soonest first


@dataclass(frozen=True)
class Spoken:
    text: str
    ssml: str
    reading: str
    lang: str  # BCP 47 tag for the speech engine


# ---------------------------------------------------------------- readings


def _group_reading(group: int, *, before_unit: bool) -> str:
    """One group of four digits (1-9999)."""
    thousands, hundreds, tens, ones = group // 1000, group // 100 % 10, group // 10 % 10, group % 10
    out = ""
    if thousands:
        out += (
            "いっせん"
            if before_unit and group == _LONE_THOUSAND
            else _THOUSANDS.get(thousands, _DIGITS[thousands] + "せん")
        )
    if hundreds:
        out += _HUNDREDS.get(hundreds, _DIGITS[hundreds] + "ひゃく")
    if tens:
        out += ("" if tens == 1 else _DIGITS[tens]) + "じゅう"
    return out + _DIGITS[ones]


def number_reading(number: int) -> str:
    """The kana reading of a whole number from 0 to 999,999,999,999: 1250 → せんにひゃくごじゅう."""
    if not 0 <= number <= MAX_NUMBER:
        raise ValueError(f"no reading for {number}")
    if number == 0:
        return "ぜろ"
    out = ""
    for size, unit in _GROUPS:
        group = number // size % 10_000
        if group:
            out += _group_reading(group, before_unit=bool(unit)) + unit
    return out


def yen(amount: int) -> Figure:
    return f"{amount:,}円", number_reading(amount) + "えん"


def day(when: date, *, today: date) -> Figure:
    """12月31日, with the year only when it is not this year's."""
    reading = _MONTHS.get(when.month, number_reading(when.month) + "がつ")
    reading += _DAYS.get(when.day, number_reading(when.day) + "にち")
    written = f"{when.month}月{when.day}日"
    if when.year != today.year:
        written, reading = f"{when.year}年{written}", f"{number_reading(when.year)}ねん{reading}"
    return written, reading


def _en_day(when: date, *, today: date) -> str:
    written = f"{when.day} {_EN_MONTHS[when.month]}"
    return written if when.year == today.year else f"{written} {when.year}"


# ---------------------------------------------------------------- rendering


def _spoken(sentences: Sequence[Sequence[Segment]], variant: Variant) -> Spoken:
    def written(s: Segment) -> str:
        return s if isinstance(s, str) else s[0]

    def read(s: Segment) -> str:
        return s if isinstance(s, str) else s[1]

    def marked(s: Segment) -> str:
        return escape(s) if isinstance(s, str) else f"<sub alias={quoteattr(s[1])}>{escape(s[0])}</sub>"

    joiner = " " if variant == "en" else ""
    lang = _LANG[variant]
    body = "".join(f"<s>{''.join(marked(s) for s in sentence)}</s>" for sentence in sentences)
    return Spoken(
        text=joiner.join("".join(written(s) for s in sentence) for sentence in sentences),
        ssml=f'<speak version="1.1" xml:lang="{lang}"><p>{body}</p></speak>',
        reading=joiner.join("".join(read(s) for s in sentence) for sentence in sentences),
        lang=lang,
    )


def _expiry_sentences(expiring: Expiring, *, today: date, variant: Variant, coin: str = "") -> list[list[Segment]]:
    """One sentence per date; `coin` names the coin when nothing before did (a notice, not a balance)."""
    sentences: list[list[Segment]] = []
    for index, (when, amount) in enumerate(expiring):
        if variant == "ja":
            lead = "また、" if index else f"{coin}のうち" if coin else "そのうち"
            sentences.append([lead, yen(amount), "を使えるのは", day(when, today=today), "までです。"])
        elif variant == "easy":
            sentences.append([yen(amount), "は ", day(when, today=today), "まで つかえます。"])
        else:
            sentences.append([f"¥{amount:,} of your coins can be used until {_en_day(when, today=today)}."])
    return sentences


def balance_script(*, balance: int, expiring: Expiring, today: date, variant: Variant) -> Spoken:
    """The balance of coins and, date by date, the part that stops being usable."""
    if variant == "ja":
        first: list[Segment] = ["残高は", yen(balance), "です。"]
    elif variant == "easy":
        first = ["いま つかえる お金は ", yen(balance), "です。"]
    else:
        first = [f"Your balance is ¥{balance:,}."]
    return _spoken([first, *_expiry_sentences(expiring, today=today, variant=variant)], variant)


def expiry_script(*, town: str, coin_name: str, expiring: Expiring, today: date) -> Spoken:
    """The notice (in Japanese) sent by SMS or read on a call to residents who chose them: whose message it is,
    what expires when, and what to do."""
    opening: list[Segment] = [f"{town}からのお知らせです。"]
    sentences = _expiry_sentences(expiring, today=today, variant="ja", coin=coin_name)
    return _spoken([opening, *sentences, ["お早めにお使いください。"]], "ja")
