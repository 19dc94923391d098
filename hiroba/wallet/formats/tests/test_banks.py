"""Bank and branch look-ups against the zengin-code master, and holder names for 受取人名."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hiroba.wallet.formats.banks import BankBranch, UnknownBank, lookup, normalise_holder_name
from hiroba.wallet.formats.zengin import ZENGIN_CHARACTERS, ZenginError


def test_mizuho_head_office() -> None:
    assert lookup("0001", "001") == BankBranch(
        bank_code="0001",
        bank_name="みずほ",
        bank_kana="ﾐｽﾞﾎ",
        branch_code="001",
        branch_name="東京営業部",
        branch_kana="ﾄｳｷﾖｳ",
    )


def test_japan_post_bank_branches_are_named_by_number() -> None:
    branch = lookup("9900", "018")
    assert (branch.bank_name, branch.bank_kana) == ("ゆうちょ", "ﾕｳﾁﾖ")
    assert (branch.branch_name, branch.branch_kana) == ("〇一八", "ｾﾞﾛｲﾁﾊﾁ")


def test_full_width_latin_in_the_master_becomes_half_width() -> None:
    import zengin_code  # type: ignore[import-untyped]

    code, bank = next((code, bank) for code, bank in zengin_code.Bank.all.items() if "Ｊ" in bank.kana)
    branch_code = next(iter(bank.branches))
    converted = lookup(code, branch_code).bank_kana
    assert "J" in converted
    assert set(converted) <= ZENGIN_CHARACTERS


def test_every_name_in_the_master_converts_to_zengin_characters() -> None:
    import zengin_code

    for bank_code, bank in zengin_code.Bank.all.items():
        for branch_code in bank.branches:
            found = lookup(bank_code, branch_code)
            assert set(found.bank_kana + found.branch_kana) <= ZENGIN_CHARACTERS, (bank_code, branch_code)


@pytest.mark.parametrize(
    ("bank_code", "branch_code", "code"),
    [
        ("0002", "001", "wallet.unknown_bank"),
        ("8999", "001", "wallet.unknown_bank"),
        ("0001", "999", "wallet.unknown_branch"),
    ],
)
def test_unknown_codes(bank_code: str, branch_code: str, code: str) -> None:
    with pytest.raises(UnknownBank) as caught:
        lookup(bank_code, branch_code)
    assert caught.value.code == code
    assert isinstance(caught.value, LookupError)


@pytest.mark.parametrize(
    ("bank_code", "branch_code", "field"),
    [
        ("1", "001", "bank_code"),
        ("00001", "001", "bank_code"),
        ("０００１", "001", "bank_code"),  # full-width digits
        ("٠٠٠١", "001", "bank_code"),  # Arabic-Indic digits are str.isdigit() too
        ("0001", "01", "branch_code"),
        ("0001", "00a", "branch_code"),
        ("0001", "001\n", "branch_code"),
    ],
)
def test_malformed_codes(bank_code: str, branch_code: str, field: str) -> None:
    with pytest.raises(ZenginError) as caught:
        lookup(bank_code, branch_code)
    assert (caught.value.code, caught.value.field) == ("zengin.field", field)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ヤマダ　タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ"),
        ("  やまだ   はなこ ", "ﾔﾏﾀﾞ ﾊﾅｺ"),
        ("カ）サクチイキショウテン", "ｶ)ｻｸﾁｲｷｼﾖｳﾃﾝ"),
        ("ｷｯﾁﾝ ｼｮｯﾌﾟ", "ｷﾂﾁﾝ ｼﾖﾂﾌﾟ"),
        ("ｱ" * 30, "ｱ" * 30),
    ],
)
def test_normalise_holder_name(name: str, expected: str) -> None:
    assert normalise_holder_name(name) == expected


@pytest.mark.parametrize(
    ("name", "code"),
    [("山田太郎", "zengin.not_katakana"), ("", "zengin.field"), ("　 ", "zengin.field"), ("ｱ" * 31, "zengin.field")],
)
def test_normalise_holder_name_refuses(name: str, code: str) -> None:
    with pytest.raises(ZenginError) as caught:
        normalise_holder_name(name)
    assert caught.value.code == code


@given(st.text(alphabet="あいうかがぱゃっアイウカガパャッーヴ　ａＺ０ az0", max_size=40))
def test_a_normalised_name_is_stable_and_fits(name: str) -> None:
    try:
        normalised = normalise_holder_name(name)
    except ZenginError as error:
        assert error.code == "zengin.field"  # noqa: PT017 - Hypothesis input: empty or too long
        return
    assert 1 <= len(normalised) <= 30
    assert normalised == normalised.strip(" ")
    assert "  " not in normalised
    assert normalise_holder_name(normalised) == normalised
