"""The 12-digit Individual Number (個人番号, "My Number"): recognised only so that Hiroba can refuse and mask it.

Hiroba never needs a resident's Individual Number, so no model field, form, API schema or log line may carry
one. This module (free of Django) finds them in text:

* the check digit (個人番号の検査用数字, 総務省令第5条): for the first 11 digits, P_n is the n-th digit counted
  from the RIGHT (P_1 is the 11th digit), Q_n = n + 1 for 1 <= n <= 6 and Q_n = n - 5 for 7 <= n <= 11,
  r = (Σ P_n·Q_n) mod 11, and the check digit is 0 when r <= 1, else 11 - r. Read left to right, the weights of
  the first 11 digits are 6 5 4 3 2 7 6 5 4 3 2;
* a *candidate* is 12 digits not adjacent to other digits, written as one run ("dddddddddddd") or in 4-4-4
  groups joined by a space or a dash ("dddd dddd dddd", "dddd-dddd-dddd"), with ASCII or full-width digits
  (０-９) and the full-width space and dashes too. A grouped candidate must also not continue into another digit
  group ("1234-5678-9018-3456" is a card number, not a candidate). A 13-digit corporate number, any longer run
  and an 11-digit phone number (090-1234-5678) are never candidates.

Two behaviours, chosen by `require_check_digit`:

* forms and API input refuse only candidates whose check digit is valid (`find_individual_numbers(text)`,
  `contains_individual_number(text)`): an order number that merely has 12 digits must still be accepted;
* logs mask every candidate, valid check digit or not (`mask_individual_numbers(text)`): a false positive in a log
  costs nothing.
"""

from __future__ import annotations

import re

LENGTH = 12
MASK = "[個人番号マスク]"

# Left-to-right weights of the first 11 digits: Q_n for n = 11, 10, ..., 7 (n - 5), then n = 6, ..., 1 (n + 1).
WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)

_ASCII_DIGITS = frozenset("0123456789")
_DIGIT = "[0-9０-９]"  # full-width digits: what a Japanese IME types
# A space or a dash between 4-digit groups: ASCII and no-break space, ideographic space (U+3000), hyphen-minus,
# the Unicode hyphens and dashes U+2010-U+2015, minus sign, full-width hyphen-minus, and the long-vowel marks
# (ー, ｰ) that a Japanese IME often produces when a hyphen is meant.
_SEPARATOR = "[ \u00a0\u3000\\-\u2010-\u2015\u2212\uff0d\u30fc\uff70]"
_CANDIDATE = re.compile(
    # one run of 12 digits, not touching another digit
    rf"(?<!{_DIGIT}){_DIGIT}{{12}}(?!{_DIGIT})"
    # or 4-4-4 groups, neither touching a digit nor continuing a longer grouped number
    rf"|(?<!{_DIGIT})(?<!{_DIGIT}{_SEPARATOR}){_DIGIT}{{4}}{_SEPARATOR}{_DIGIT}{{4}}{_SEPARATOR}{_DIGIT}{{4}}"
    rf"(?!{_DIGIT})(?!{_SEPARATOR}{_DIGIT})"
)
_TO_ASCII = str.maketrans("０１２３４５６７８９", "0123456789")


def _is_ascii_digits(text: str, length: int) -> bool:
    return len(text) == length and all(c in _ASCII_DIGITS for c in text)


def check_digit(first11: str) -> int:
    """The check digit of the first 11 digits (ASCII); ValueError for anything else."""
    if not _is_ascii_digits(first11, LENGTH - 1):
        raise ValueError("the first 11 characters of an Individual Number must be ASCII digits")
    total = sum(int(d) * w for d, w in zip(first11, WEIGHTS, strict=True))
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_individual_number(digits: str) -> bool:
    """Whether `digits` is exactly 12 ASCII digits whose last is the check digit of the first 11."""
    return _is_ascii_digits(digits, LENGTH) and check_digit(digits[:-1]) == int(digits[-1])


def _digits_of(candidate: str) -> str:
    return "".join(c for c in candidate.translate(_TO_ASCII) if c in _ASCII_DIGITS)


def find_individual_numbers(text: str, *, require_check_digit: bool = True) -> list[tuple[int, int]]:
    """The (start, end) spans of the standalone 12-digit candidates in `text`, in order.

    By default only candidates with a valid check digit (what forms refuse); with `require_check_digit=False`,
    every candidate (what logs mask).
    """
    return [
        match.span()
        for match in _CANDIDATE.finditer(text)
        if not require_check_digit or is_individual_number(_digits_of(match.group()))
    ]


def contains_individual_number(text: str) -> bool:
    """Whether `text` holds a standalone 12-digit value with a valid Individual Number check digit."""
    return bool(find_individual_numbers(text))


def _mask_once(text: str, spans: list[tuple[int, int]]) -> str:
    parts: list[str] = []
    position = 0
    for start, end in spans:
        parts.append(text[position:start])
        parts.append(MASK)
        position = end
    parts.append(text[position:])
    return "".join(parts)


def mask_individual_numbers(text: str, *, require_check_digit: bool = False) -> str:
    """`text` with each candidate replaced by MASK; by default every candidate, valid check digit or not (logs).

    Masks until none is left: in "dddddddddddd dddd dddd dddd", masking the run frees the grouped number from the
    digit that kept it from standing alone. Each pass removes at least 12 digits, so this ends.
    """
    while spans := find_individual_numbers(text, require_check_digit=require_check_digit):
        text = _mask_once(text, spans)
    return text
