"""The Individual Number (個人番号) guard: its check digit, where it is found in text, and how it is masked."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from hiroba.core.errors import Invalid
from hiroba.core.mynumber import (
    MASK,
    check_digit,
    contains_individual_number,
    find_individual_numbers,
    is_individual_number,
    mask_individual_numbers,
)
from hiroba.core.tests.fixtures import BLIND_SPOT, INDIVIDUAL_NUMBER, full_width, grouped
from hiroba.core.validators import ensure_no_individual_number, refuse_individual_number

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
SEPARATORS = [" ", "-", "\u3000", "\uff0d", "\u2010", "\u2212", "ー"]  # ASCII, ideographic space, dashes, ー


def remainder_by_definition(first11: str) -> int:
    """Σ P_n·Q_n mod 11, written straight from 総務省令第5条 (P_n counted from the right), not from the module."""
    total = 0
    for n in range(1, 12):
        p_n = int(first11[11 - n])  # n = 1 is the 11th (rightmost) digit
        q_n = n + 1 if n <= 6 else n - 5
        total += p_n * q_n
    return total % 11


def check_digit_by_definition(first11: str) -> int:
    r = remainder_by_definition(first11)
    return 0 if r <= 1 else 11 - r


eleven_digits = st.text(alphabet="0123456789", min_size=11, max_size=11)
valid_numbers = eleven_digits.map(lambda d: d + str(check_digit_by_definition(d)))
# Japanese text without a digit: kana, kanji (漢数字 included: they are not digits), punctuation, letters, space.
japanese = st.text(
    st.one_of(
        st.characters(min_codepoint=0x3041, max_codepoint=0x3096),
        st.characters(min_codepoint=0x30A1, max_codepoint=0x30FA),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.sampled_from(list("、。「」：（）番号はですABCxyz -\n")),
    ),
    max_size=20,
)


@st.composite
def written_forms(draw: st.DrawFn, number: str) -> str:
    """`number` as a resident might write it: one run or 4-4-4 groups, ASCII or full-width digits."""
    if draw(st.booleans()):
        first, second = draw(st.sampled_from(SEPARATORS)), draw(st.sampled_from(SEPARATORS))
        number = f"{number[:4]}{first}{number[4:8]}{second}{number[8:]}"
    return number.translate(FULL_WIDTH) if draw(st.booleans()) else number


# --- the check digit ---------------------------------------------------------------------------------------------


def test_check_digit_of_a_hand_computed_example() -> None:
    # given the first 11 digits 1 2 3 4 5 6 7 8 9 0 1; counted from the right, P_1..P_11 = 1 0 9 8 7 6 5 4 3 2 1
    # and Q_1..Q_11 = 2 3 4 5 6 7 2 3 4 5 6, so
    #   Σ P_n·Q_n = 1·2 + 0·3 + 9·4 + 8·5 + 7·6 + 6·7 + 5·2 + 4·3 + 3·4 + 2·5 + 1·6
    #             = 2 + 0 + 36 + 40 + 42 + 42 + 10 + 12 + 12 + 10 + 6 = 212,
    #   212 = 11·19 + 3, so r = 3 and the check digit is 11 - 3 = 8.
    first11 = "12345678901"

    # when / then
    assert check_digit(first11) == 8
    assert is_individual_number(INDIVIDUAL_NUMBER)
    assert not is_individual_number("123456789017")


@pytest.mark.parametrize(
    ("first11", "expected"),
    [
        ("00000000000", 0),  # Σ = 0, r = 0 -> 0
        ("00000000006", 0),  # P_1 = 6, Q_1 = 2: Σ = 12, r = 1 -> 0 (r = 0 and r = 1 both give 0)
        ("00000000005", 1),  # P_1 = 5, Q_1 = 2: Σ = 10, r = 10 -> 11 - 10 = 1
        ("10000000000", 5),  # P_11 = 1, Q_11 = 11 - 5 = 6: Σ = 6, r = 6 -> 11 - 6 = 5
        ("00000100000", 4),  # P_6 = 1 (6th from the right), Q_6 = 6 + 1 = 7: Σ = 7, r = 7 -> 11 - 7 = 4
        ("00001000000", 9),  # P_7 = 1, Q_7 = 7 - 5 = 2: Σ = 2, r = 2 -> 11 - 2 = 9
    ],
)
def test_check_digit_at_the_edges_of_the_rule(first11: str, expected: int) -> None:
    assert check_digit(first11) == expected


@given(eleven_digits)
def test_the_check_digit_follows_the_definition(first11: str) -> None:
    assert check_digit(first11) == check_digit_by_definition(first11)


@given(valid_numbers)
def test_any_eleven_digits_with_their_check_digit_are_accepted(number: str) -> None:
    assert is_individual_number(number)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "12345678901",
        INDIVIDUAL_NUMBER + "0",
        full_width(INDIVIDUAL_NUMBER),
        "12345678901a",
        " " + INDIVIDUAL_NUMBER,
        INDIVIDUAL_NUMBER.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),  # Arabic-Indic digits
    ],
)
def test_only_exactly_twelve_ascii_digits_can_be_an_individual_number(value: str) -> None:
    assert not is_individual_number(value)


@pytest.mark.parametrize("value", ["1234567890", "123456789012", "１２３４５６７８９０１"])
def test_check_digit_refuses_anything_but_eleven_ascii_digits(value: str) -> None:
    with pytest.raises(ValueError, match="11 characters"):
        check_digit(value)


def test_a_single_changed_digit_can_go_unnoticed_when_the_remainder_moves_between_0_and_1() -> None:
    # "00000000006" has r = 1 and "00000000000" has r = 0; both give check digit 0, so changing the 11th digit of
    # the first number of BLIND_SPOT from 6 to 0 gives the second, which is valid too.
    before, after = BLIND_SPOT
    assert [i for i in range(12) if before[i] != after[i]] == [10]
    assert is_individual_number(before)
    assert is_individual_number(after)


@given(valid_numbers, st.integers(min_value=0, max_value=11), st.integers(min_value=1, max_value=9))
def test_a_single_changed_digit_is_caught_unless_the_remainder_only_moves_between_0_and_1(
    number: str, position: int, shift: int
) -> None:
    # The weights Q_n are 2..7, none a multiple of the prime 11, and a digit changes by 1..9: so changing one of
    # the first 11 digits always changes r. It still passes only when r moves between 0 and 1, the two remainders
    # that share check digit 0. A changed check digit itself is always caught.
    changed_digit = (int(number[position]) + shift) % 10
    changed = number[:position] + str(changed_digit) + number[position + 1 :]

    if position == 11:
        assert not is_individual_number(changed)
    else:
        before, after = remainder_by_definition(number[:11]), remainder_by_definition(changed[:11])
        assert before != after
        assert is_individual_number(changed) == ({before, after} == {0, 1})


# --- finding it in text --------------------------------------------------------------------------------------------


@given(japanese, japanese, valid_numbers, st.data())
def test_a_valid_number_in_japanese_text_is_found_in_any_written_form(
    prefix: str, suffix: str, number: str, data: st.DataObject
) -> None:
    written = data.draw(written_forms(number))
    text = prefix + written + suffix

    expected = [(len(prefix), len(prefix) + len(written))]
    assert find_individual_numbers(text) == expected
    assert find_individual_numbers(text, require_check_digit=False) == expected
    assert contains_individual_number(text)


@pytest.mark.parametrize(
    "text",
    [
        f"番号は{INDIVIDUAL_NUMBER}です",
        grouped(),
        grouped(separator="-"),
        full_width(INDIVIDUAL_NUMBER),
        full_width(grouped(separator="－")),
        full_width(grouped(separator="\u3000")),
        f"({grouped(separator='ー')})",
    ],
)
def test_the_usual_written_forms_are_found(text: str) -> None:
    assert contains_individual_number(text)
    assert MASK in mask_individual_numbers(text)


@given(japanese, japanese, valid_numbers, st.data())
def test_a_wrong_check_digit_is_not_refused_but_still_masked(
    prefix: str, suffix: str, number: str, data: st.DataObject
) -> None:
    wrong = number[:11] + str((int(number[11]) + data.draw(st.integers(min_value=1, max_value=9))) % 10)
    written = data.draw(written_forms(wrong))
    text = prefix + written + suffix

    assert find_individual_numbers(text) == []
    assert find_individual_numbers(text, require_check_digit=False) == [(len(prefix), len(prefix) + len(written))]
    assert mask_individual_numbers(text) == prefix + MASK + suffix


@given(japanese, japanese, st.text(alphabet="0123456789", min_size=13, max_size=40), st.booleans())
def test_nothing_is_found_inside_a_run_of_13_or_more_digits(
    prefix: str, suffix: str, run: str, full_width: bool
) -> None:
    text = prefix + (run.translate(FULL_WIDTH) if full_width else run) + suffix

    assert find_individual_numbers(text, require_check_digit=False) == []
    assert mask_individual_numbers(text) == text


@given(valid_numbers, st.sampled_from(["0", "1", "５", "1234-", "1234 ", "-5678", " 5678"]), st.booleans())
def test_a_grouped_number_that_touches_more_digits_is_not_standalone(number: str, extra: str, before: bool) -> None:
    grouped = f"{number[:4]}-{number[4:8]}-{number[8:]}"
    text = extra + grouped if before else grouped + extra

    assert find_individual_numbers(text, require_check_digit=False) == []


@pytest.mark.parametrize("text", ["法人番号 1234567890123", "4111-1111-1111-1111", "4111 1111 1111 1111"])
def test_corporate_and_card_numbers_are_not_individual_numbers(text: str) -> None:
    assert find_individual_numbers(text, require_check_digit=False) == []


@given(
    japanese,
    st.sampled_from(["{3}-{4}-{4}", "{3}{4}{4}", "{2}-{4}-{4}", "{4}-{2}-{4}", "({3}){4}-{4}", "+81-{2}-{4}-{4}"]),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
    st.booleans(),
)
def test_phone_numbers_are_left_alone(text: str, shape: str, digits: str, full_width: bool) -> None:
    phone = shape.replace("{4}", digits).replace("{3}", "090").replace("{2}", "03")
    if full_width:
        phone = phone.translate(FULL_WIDTH)
    line = f"{text}電話 {phone} {text}"

    assert find_individual_numbers(line, require_check_digit=False) == []
    assert mask_individual_numbers(line) == line


# --- masking -------------------------------------------------------------------------------------------------------


@given(st.text(st.sampled_from(list("0123456789０９ -－\u3000ーあ番")), max_size=80))
def test_masking_leaves_no_candidate_behind(text: str) -> None:
    masked = mask_individual_numbers(text)

    assert find_individual_numbers(masked, require_check_digit=False) == []
    assert find_individual_numbers(mask_individual_numbers(text, require_check_digit=True)) == []


@given(st.lists(st.tuples(japanese, valid_numbers), min_size=1, max_size=4), st.data())
def test_masking_replaces_exactly_the_found_spans(parts: list[tuple[str, str]], data: st.DataObject) -> None:
    text = "".join(f"{words}{data.draw(written_forms(number))}。" for words, number in parts)
    spans = find_individual_numbers(text)

    masked = mask_individual_numbers(text)

    assert len(spans) == len(parts)
    assert masked == "".join(f"{words}{MASK}。" for words, _ in parts)


def test_masking_frees_a_number_kept_from_standing_alone_by_a_masked_one() -> None:
    assert mask_individual_numbers(f"{INDIVIDUAL_NUMBER} {grouped()}") == f"{MASK} {MASK}"


# --- the validators ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [f"マイナンバーは {grouped(separator='-')} です", full_width(INDIVIDUAL_NUMBER)])
def test_the_django_validator_refuses_an_individual_number(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        refuse_individual_number(value)

    assert caught.value.code == "identity.individual_number"
    with translation.override("en"):
        assert "Individual Number" in str(caught.value.message)
    with translation.override("ja"):
        assert "個人番号" in str(caught.value.message)


@pytest.mark.parametrize("value", ["注文番号 123456789017", "090-1234-5678", "法人番号 1234567890123", ""])
def test_the_django_validator_accepts_what_is_not_an_individual_number(value: str) -> None:
    refuse_individual_number(value)


def test_the_api_check_raises_invalid_naming_the_field() -> None:
    with pytest.raises(Invalid) as caught:
        ensure_no_individual_number(grouped(), field="note")

    assert caught.value.code == "identity.individual_number"
    assert caught.value.status == 422
    assert caught.value.detail == {"field": "note"}
    assert caught.value.message_ja == "個人番号（マイナンバー）は入力しないでください。ひろばでは使いません。"
    ensure_no_individual_number("123456789017", field="note")
