"""The local government code rule, checked against real codes and by properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hiroba.tenancy import lgcode

# Real codes from the 総務省 list, including the ones whose check sum hits the "mod 10" edge (11 -> 1, 10 -> 0).
REAL = {
    "202177": "佐久市",
    "202088": "小諸市",
    "203238": "御代田町",
    "203246": "立科町",
    "111007": "さいたま市",
    "122076": "松戸市",
    "132080": "調布市",  # weighted sum 45, 45 mod 11 = 1 -> (11 - 1) mod 10 = 0
    "131016": "千代田区",
    "011002": "札幌市",
    "472018": "那覇市",
}

five_digit_codes = st.builds(
    lambda pref, body: f"{pref:02d}{body:03d}",
    st.integers(min_value=1, max_value=47),
    st.integers(min_value=0, max_value=999),
)


@pytest.mark.parametrize("code", sorted(REAL))
def test_real_codes_are_valid(code: str) -> None:
    assert lgcode.validate(code) == code
    assert lgcode.complete(code[:5]) == code


@given(five_digit_codes)
def test_completed_code_validates_and_any_other_check_digit_is_refused(first_five: str) -> None:
    code = lgcode.complete(first_five)
    assert lgcode.validate(code) == code
    for wrong in set("0123456789") - {code[5]}:
        with pytest.raises(lgcode.LgCodeError) as info:
            lgcode.validate(first_five + wrong)
        assert info.value.reason == "check_digit"


def _residue(first_five: str) -> int:
    return sum(int(d) * w for d, w in zip(first_five, lgcode.WEIGHTS, strict=True)) % 11


@given(five_digit_codes, st.integers(min_value=0, max_value=4), st.integers(min_value=1, max_value=9))
def test_a_single_mistyped_digit_is_caught_except_in_the_one_folded_case(first_five: str, pos: int, delta: int) -> None:
    # given a valid code and the same code with one of its first five digits mistyped
    code = lgcode.complete(first_five)
    typo = code[:pos] + str((int(code[pos]) + delta) % 10) + code[pos + 1 : 5]
    # then the typo is refused, unless the weighted sums leave remainders 0 and 10 (mod 11): the final
    # "mod 10" folds check values 11 and 1 together, the only blind spot of this check digit
    folded = {_residue(first_five), _residue(typo)} == {0, 10}
    if folded:
        assert lgcode.check_digit(typo) == int(code[5])
    else:
        with pytest.raises(lgcode.LgCodeError):
            lgcode.validate(typo + code[5])


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("20217", "format"),
        ("2021777", "format"),
        ("20217a", "format"),
        ("２０２１７７", "format"),  # full-width digits are not ASCII
        ("482017", "prefecture"),
        ("002011", "prefecture"),
        ("202178", "check_digit"),
    ],
)
def test_malformed_codes_are_refused_with_a_reason(code: str, reason: str) -> None:
    with pytest.raises(lgcode.LgCodeError) as info:
        lgcode.validate(code)
    assert info.value.reason == reason


def test_prefecture_names() -> None:
    assert lgcode.prefecture("202177") == lgcode.Prefecture("20", "長野県", "Nagano")
    assert lgcode.prefecture("132080").name_en == "Tokyo"
    assert len(lgcode.PREFECTURES) == 47
