"""The one deliberate Individual Number the tests use, for the paths that refuse and mask it.

It is made up: the eleven digits 1 2 … 0 1 with their check digit (worked out by hand in
test_mynumber.test_check_digit_of_a_hand_computed_example). No other file carries a valid 12-digit number
literally; tests derive the written forms they need from here.
"""

from __future__ import annotations

from hiroba.core.mynumber import check_digit

INDIVIDUAL_NUMBER = "123456789018"

# The check digit's blind spot: ten zeros then 6 (r = 1) and eleven zeros (r = 0) both take check digit 0, so
# changing that one digit of the first number gives the second, and both are valid.
BLIND_SPOT = ("0" * 10 + "6" + str(check_digit("0" * 10 + "6")), "0" * 11 + str(check_digit("0" * 11)))

_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def grouped(number: str = INDIVIDUAL_NUMBER, separator: str = " ") -> str:
    """The 4-4-4 written form: "dddd dddd dddd", or joined by another separator."""
    return separator.join((number[:4], number[4:8], number[8:]))


def full_width(text: str) -> str:
    return text.translate(_FULL_WIDTH)
