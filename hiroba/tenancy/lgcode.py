"""全国地方公共団体コード (local government codes), free of Django.

A code is six digits: two for the prefecture (JIS X 0401), three for the body, one check digit over the
first five with weights 6-5-4-3-2: check = (11 - sum mod 11) mod 10.
"""

from __future__ import annotations

from dataclasses import dataclass

WEIGHTS = (6, 5, 4, 3, 2)
LENGTH = 6

# JIS X 0401 prefecture codes 01-47, in order: (kanji, English).
PREFECTURES: tuple[tuple[str, str], ...] = (
    ("北海道", "Hokkaido"), ("青森県", "Aomori"), ("岩手県", "Iwate"), ("宮城県", "Miyagi"),
    ("秋田県", "Akita"), ("山形県", "Yamagata"), ("福島県", "Fukushima"), ("茨城県", "Ibaraki"),
    ("栃木県", "Tochigi"), ("群馬県", "Gunma"), ("埼玉県", "Saitama"), ("千葉県", "Chiba"),
    ("東京都", "Tokyo"), ("神奈川県", "Kanagawa"), ("新潟県", "Niigata"), ("富山県", "Toyama"),
    ("石川県", "Ishikawa"), ("福井県", "Fukui"), ("山梨県", "Yamanashi"), ("長野県", "Nagano"),
    ("岐阜県", "Gifu"), ("静岡県", "Shizuoka"), ("愛知県", "Aichi"), ("三重県", "Mie"),
    ("滋賀県", "Shiga"), ("京都府", "Kyoto"), ("大阪府", "Osaka"), ("兵庫県", "Hyogo"),
    ("奈良県", "Nara"), ("和歌山県", "Wakayama"), ("鳥取県", "Tottori"), ("島根県", "Shimane"),
    ("岡山県", "Okayama"), ("広島県", "Hiroshima"), ("山口県", "Yamaguchi"), ("徳島県", "Tokushima"),
    ("香川県", "Kagawa"), ("愛媛県", "Ehime"), ("高知県", "Kochi"), ("福岡県", "Fukuoka"),
    ("佐賀県", "Saga"), ("長崎県", "Nagasaki"), ("熊本県", "Kumamoto"), ("大分県", "Oita"),
    ("宮崎県", "Miyazaki"), ("鹿児島県", "Kagoshima"), ("沖縄県", "Okinawa"),
)  # fmt: skip


class LgCodeError(ValueError):
    """Why a string is not a valid local government code; `reason` is a stable machine-readable word."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Prefecture:
    code: str
    name: str
    name_en: str


def check_digit(first_five: str) -> int:
    if len(first_five) != len(WEIGHTS) or not first_five.isascii() or not first_five.isdigit():
        raise LgCodeError("format", "the first five characters must be ASCII digits")
    total = sum(int(d) * w for d, w in zip(first_five, WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def prefecture(code: str) -> Prefecture:
    """The prefecture of a code (its first two digits)."""
    number = int(code[:2]) if code[:2].isascii() and code[:2].isdigit() else 0
    if not 1 <= number <= len(PREFECTURES):
        raise LgCodeError("prefecture", f"{code[:2]!r} is not a prefecture code (01-47)")
    name, name_en = PREFECTURES[number - 1]
    return Prefecture(code=f"{number:02d}", name=name, name_en=name_en)


def validate(code: str) -> str:
    """Return the code if it is a well-formed 6-digit code with a correct check digit, else raise LgCodeError."""
    if len(code) != LENGTH or not code.isascii() or not code.isdigit():
        raise LgCodeError("format", f"{code!r} is not six ASCII digits")
    prefecture(code)
    expected = check_digit(code[:5])
    if int(code[5]) != expected:
        raise LgCodeError("check_digit", f"check digit of {code} should be {expected}")
    return code


def complete(first_five: str) -> str:
    """The 6-digit code for a 5-digit code (as printed in some lists without the check digit)."""
    return first_five + str(check_digit(first_five))
