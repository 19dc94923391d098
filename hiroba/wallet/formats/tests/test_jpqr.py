"""The EMVCo / JPQR merchant QR codec: other wallets' real payloads, round trips and every kind of damage."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hiroba.wallet.formats.jpqr import (
    HIROBA_AID,
    MerchantQr,
    QrError,
    crc16_ccitt_false,
    decode,
    decode_foreign,
    encode,
    parse_tlv,
)
from hiroba.wallet.formats.tests import SHARED_SAMPLES

SAMPLE = SHARED_SAMPLES / "jpqr" / "go-emv-code_payloads.json"
# A missing sample fails the run here, at collection, instead of leaving the sample tests with no cases.
CASES: list[dict[str, Any]] = json.loads(SAMPLE.read_text(encoding="utf-8"))["cases"]
VALID = [case for case in CASES if case["valid"]]
INVALID = [case for case in CASES if not case["valid"]]
GENERIC = [case for case in VALID if case["decoder"].startswith("generic")]
needs_sample = pytest.mark.skipif(not CASES, reason=f"sample file {SAMPLE} is not present")

# Sample field name -> EMVCo tag, for the plain (non-template) fields the sample spells out.
PLAIN_FIELDS = {
    "payload_format_indicator": "00",
    "point_of_initiation_method": "01",
    "merchant_category_code": "52",
    "transaction_currency": "53",
    "transaction_amount": "54",
    "tip_or_convenience_indicator": "55",
    "country_code": "58",
    "merchant_name": "59",
    "merchant_city": "60",
    "postal_code": "61",
    "crc": "63",
}

STORE_CODE = ("0000000000001", "0001", "000001", "000001")
SHOP = MerchantQr(merchant_id="m_3fa94c1b", area="saku", name="CAFE HIROBA", city="SAKU")


def tlv(tag: str, value: str) -> str:
    """A data object written straight from the EMVCo rule (length in characters), independent of the module."""
    return f"{tag}{len(value):02d}{value}"


def with_crc(body: str) -> str:
    """Close a payload with tag 63 and its CRC."""
    body += "6304"
    return f"{body}{crc16_ccitt_false(body.encode('utf-8')):04X}"


def error_code(payload: str, *, foreign: bool = False) -> str:
    with pytest.raises(QrError) as caught:
        (decode_foreign if foreign else decode)(payload)
    return caught.value.code


# --- CRC ---------------------------------------------------------------------------------------------------


def test_crc_check_value() -> None:
    assert crc16_ccitt_false(b"123456789") == 0x29B1  # the catalogue check value of CRC-16/CCITT-FALSE
    assert crc16_ccitt_false(b"") == 0xFFFF


# --- the sample: other wallets' payloads --------------------------------------------------------------------


@needs_sample
@pytest.mark.parametrize("case", VALID, ids=[case["id"] for case in VALID])
def test_sample_crc_verifies_over_utf8_bytes(case: dict[str, Any]) -> None:
    payload: str = case["payload"]
    assert payload[-8:-4] == "6304"
    assert f"{crc16_ccitt_false(payload[:-4].encode('utf-8')):04X}" == case["expected"]["crc"] == payload[-4:]


@needs_sample
@pytest.mark.parametrize("case", VALID, ids=[case["id"] for case in VALID])
def test_sample_decode_foreign_gives_what_the_sample_says(case: dict[str, Any]) -> None:
    expected = case["expected"]
    fields = decode_foreign(case["payload"])

    for name, tag in PLAIN_FIELDS.items():
        if name in expected:
            assert fields.get(tag) == expected[name], name

    listed = expected["merchant_account_information"] + expected.get("unreserved_templates", [])
    for entry in listed:
        assert int(entry["length"]) == len(entry["value"])
        value = fields[entry["tag"]]
        if isinstance(value, dict):  # merchant account templates come back parsed: write them out again
            assert "".join(tlv(k, v) for k, v in value.items()) == entry["value"], entry["tag"]
        else:
            assert value == entry["value"], entry["tag"]
    templates = {tag for tag in fields if 26 <= int(tag) <= 51}
    assert templates == {entry["tag"] for entry in expected["merchant_account_information"]}
    if "unreserved_templates" in expected:
        assert {tag for tag in fields if int(tag) >= 80} == {e["tag"] for e in expected["unreserved_templates"]}

    if "additional_data_field_template" in expected:
        additional = fields["62"]
        assert isinstance(additional, dict)
        assert "".join(tlv(k, v) for k, v in additional.items()) == expected["additional_data_field_template"]

    language = expected["merchant_information"]
    if language is None:
        assert "64" not in fields
    else:
        wanted = {"00": language["language_preference"], "01": language["name"]}
        if language["city"] is not None:
            wanted["02"] = language["city"]
        assert fields["64"] == wanted


@needs_sample
def test_sample_jpqr_template_and_japanese_name() -> None:
    (case,) = [case for case in CASES if case["id"] == "jpqr-static-merpay-cafe"]
    fields = decode_foreign(case["payload"])
    assert fields["26"] == {
        "00": "jp.or.paymentsjapan",
        "01": "0000000000001",
        "02": "0001",
        "03": "000001",
        "04": "000001",
    }
    # Tag 64 says 18 characters, 0108 says 8: メルペイ カフェ is 8 characters but 24 UTF-8 bytes.
    assert "64180002JA0108メルペイ カフェ" in case["payload"]
    assert fields["64"] == {"00": "JA", "01": "メルペイ カフェ"}
    # Out-of-order tags are read all the same, and a sticker without Hiroba's template is not ours.
    assert list(fields)[:3] == ["00", "60", "01"]
    assert error_code(case["payload"]) == "qr.not_hiroba"


@needs_sample
@pytest.mark.parametrize("case", INVALID, ids=[case["id"] for case in INVALID])
def test_sample_invalid_payloads_are_refused(case: dict[str, Any]) -> None:
    code = error_code(case["payload"])
    reason = case["expected_error"]
    if "CRC" in reason:
        assert code == "qr.crc"
        assert error_code(case["payload"], foreign=True) == "qr.crc"
    elif "000201" in reason:
        # The header was cut without fixing the CRC, so the checksum fails first; with a fresh CRC the
        # missing header itself is refused.
        assert code == "qr.crc"
        assert error_code(with_crc(case["payload"][:-8]), foreign=True) == "qr.field"
    else:  # country or currency: a well-formed EMVCo payload outside the JPQR profile
        assert code == "qr.field"
        assert isinstance(decode_foreign(case["payload"]), dict)
        with pytest.raises(QrError, match="country" if "country" in reason else "currency"):
            decode(case["payload"])


@needs_sample
@pytest.mark.parametrize("case", GENERIC, ids=[case["id"] for case in GENERIC])
def test_generic_emv_from_china_is_refused_by_the_japanese_profile(case: dict[str, Any]) -> None:
    assert error_code(case["payload"]) == "qr.field"


# --- encoding ------------------------------------------------------------------------------------------------


def test_static_code_layout() -> None:
    payload = encode(SHOP)
    hiroba = tlv("00", HIROBA_AID) + tlv("01", "m_3fa94c1b") + tlv("02", "saku")
    assert payload == with_crc(
        "000201"
        "010211" + tlv("27", hiroba) + "52045999" + "5303392" + "5802JP" + tlv("59", "CAFE HIROBA") + tlv("60", "SAKU")
    )
    assert [tag for tag, _ in parse_tlv(payload)] == ["00", "01", "27", "52", "53", "58", "59", "60", "63"]
    assert decode(payload) == SHOP
    assert encode(SHOP) == payload  # deterministic


def test_dynamic_code_with_everything() -> None:
    qr = MerchantQr(
        merchant_id="m_3fa94c1b",
        area="saku",
        name="SAKU MARKET",
        city="SAKU",
        mcc="5411",
        postal_code="3850011",
        name_ja="佐久マーケット　本店",
        amount=1280,
        reference="pr_01JABCDEF",
        jpqr_store_code=STORE_CODE,
    )
    payload = encode(qr)
    tags = [tag for tag, _ in parse_tlv(payload)]
    assert tags == ["00", "01", "26", "27", "52", "53", "54", "58", "59", "60", "61", "62", "64", "63"]
    assert "010212" in payload
    assert "54041280" in payload
    assert "62160512pr_01JABCDEF" in payload
    assert "64200002JA0110佐久マーケット　本店" in payload  # lengths in characters, not UTF-8 bytes
    assert "26680019jp.or.paymentsjapan" in payload  # the same template the sample's JPQR sticker carries
    assert payload[-4:] == payload[-4:].upper()
    assert decode(payload) == qr
    foreign = decode_foreign(payload)
    assert foreign["26"] == {
        "00": "jp.or.paymentsjapan",
        "01": STORE_CODE[0],
        "02": "0001",
        "03": "000001",
        "04": "000001",
    }
    assert foreign["27"] == {"00": HIROBA_AID, "01": "m_3fa94c1b", "02": "saku"}


@pytest.mark.parametrize(
    "changes",
    [
        {"merchant_id": ""},
        {"merchant_id": "m" * 33},
        {"area": "佐久"},
        {"name": "CAFÉ"},
        {"name": "X" * 26},
        {"city": "C" * 16},
        {"mcc": "599"},
        {"mcc": "５９９９"},
        {"postal_code": ""},
        {"name_ja": "カフェ\n"},
        {"name_ja": "カ" * 26},
        {"amount": 0},
        {"amount": -5},
        {"amount": 10**13},
        {"amount": True},
        {"reference": "r" * 26},
        {"jpqr_store_code": ("0" * 12, "0001", "000001", "000001")},  # 12 digits where 13 belong
        {"jpqr_store_code": ("0" * 12 + "a", "0001", "000001", "000001")},
    ],
)
def test_invalid_fields_are_refused_on_construction(changes: dict[str, Any]) -> None:
    fields: dict[str, Any] = {"merchant_id": "m_1", "area": "saku", "name": "SHOP", "city": "SAKU", **changes}
    with pytest.raises(QrError) as caught:
        MerchantQr(**fields)
    assert caught.value.code == "qr.field"


# --- round trip ----------------------------------------------------------------------------------------------


def ascii_text(max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=max_size)


japanese = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x3041, max_codepoint=0x3096),  # hiragana
        st.characters(min_codepoint=0x30A1, max_codepoint=0x30FA),  # katakana
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # kanji
        st.sampled_from(" 　ー・0１A"),
        st.characters(codec="utf-8", exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")),
    ),
    min_size=1,
    max_size=25,
)
merchant_qrs = st.builds(
    MerchantQr,
    merchant_id=ascii_text(32),
    area=st.from_regex(r"[a-z0-9][a-z0-9-]{0,31}", fullmatch=True),
    name=ascii_text(25),
    city=ascii_text(15),
    mcc=st.from_regex(r"[0-9]{4}", fullmatch=True),
    postal_code=st.none() | st.from_regex(r"[0-9]{7}", fullmatch=True),
    name_ja=st.none() | japanese,
    amount=st.none() | st.integers(min_value=1, max_value=10**13 - 1),
    reference=st.none() | ascii_text(25),
    jpqr_store_code=st.none() | st.tuples(*(st.from_regex(f"[0-9]{{{n}}}", fullmatch=True) for n in (13, 4, 6, 6))),
)


@given(merchant_qrs)
def test_round_trip(qr: MerchantQr) -> None:
    payload = encode(qr)
    assert len(payload) <= 512
    assert decode(payload) == qr
    assert payload[6:12] == "0102" + ("12" if qr.amount is not None else "11")
    body = payload[:-4]
    assert int(payload[-4:], 16) == crc16_ccitt_false(body.encode("utf-8"))


@given(merchant_qrs, st.data())
def test_any_changed_character_is_caught_by_the_crc(qr: MerchantQr, data: st.DataObject) -> None:
    payload = encode(qr)
    # One ASCII character for another is an error burst of at most 8 bits: CRC-16 catches every such burst.
    index = data.draw(st.integers(min_value=0, max_value=len(payload) - 5), label="index")
    replacement = data.draw(st.sampled_from("0123456789ABCXYZ :"), label="replacement")
    if payload[index] == replacement or not payload[index].isascii():
        return
    flipped = payload[:index] + replacement + payload[index + 1 :]
    assert error_code(flipped) == "qr.crc"


# --- damage -----------------------------------------------------------------------------------------------------


def test_flipped_character_is_a_crc_error() -> None:
    payload = encode(SHOP)
    flipped = payload.replace("CAFE HIROBA", "CAFE HIROBE")
    assert error_code(flipped) == "qr.crc"
    assert decode(payload[:-4] + payload[-4:].lower()) == SHOP  # hex case does not matter to the checksum


def test_missing_or_broken_crc() -> None:
    payload = encode(SHOP)
    assert error_code(payload[:-8]) == "qr.crc"
    assert error_code(payload[:-4] + "ZZZZ") == "qr.crc"
    assert error_code(payload[:-8] + "6305" + payload[-4:] + "0") == "qr.crc"
    assert error_code("") == "qr.crc"


def test_length_overrun_is_a_tlv_error() -> None:
    assert error_code(with_crc("000201" + "010211" + "5999SHOP")) == "qr.tlv"
    with pytest.raises(QrError) as caught:
        parse_tlv("00020101021159")
    assert caught.value.code == "qr.tlv"


@pytest.mark.parametrize(
    "text",
    ["5", "00", "000", "0002", "A00201", "0A0201", "00A201", "000001", "00020", "0²0201", "０００２０１"],
)
def test_malformed_data_objects(text: str) -> None:
    with pytest.raises(QrError) as caught:
        parse_tlv(text)
    assert caught.value.code == "qr.tlv"


def test_parse_tlv_counts_characters() -> None:
    assert parse_tlv("0008メルペイ カフェ0102JA") == [("00", "メルペイ カフェ"), ("01", "JA")]
    assert parse_tlv("") == []


def test_duplicate_tag_is_a_tlv_error() -> None:
    assert error_code(with_crc(encode(SHOP)[:-8] + "5802JP")) == "qr.tlv"


def test_crc_that_is_not_the_last_data_object() -> None:
    prefix = encode(SHOP)[:-8] + "9912ABCD"  # tag 99 with 12 characters, the last 8 of which read "6304...."
    checked = prefix + "6304"
    payload = f"{checked}{crc16_ccitt_false(checked.encode('utf-8')):04X}"
    assert error_code(payload) == "qr.tlv"


def _fields_without(*tags: str, extra: str = "") -> str:
    objects = [(tag, value) for tag, value in parse_tlv(encode(SHOP)) if tag not in {*tags, "63"}]
    return with_crc("".join(tlv(tag, value) for tag, value in objects) + extra)


@pytest.mark.parametrize("tag", ["53", "58", "52", "59", "60"])
def test_missing_mandatory_field(tag: str) -> None:
    assert error_code(_fields_without(tag)) == "qr.field"


def test_missing_payload_format_indicator() -> None:
    assert error_code(_fields_without("00")) == "qr.field"
    assert error_code(_fields_without("00"), foreign=True) == "qr.field"


@pytest.mark.parametrize(
    ("tag", "value"),
    [("53", "156"), ("58", "CN"), ("54", "23.72"), ("54", "0100"), ("54", "0"), ("01", "13"), ("52", "12AB")],
)
def test_out_of_profile_values(tag: str, value: str) -> None:
    objects = dict(parse_tlv(encode(MerchantQr(**{**_as_dict(SHOP), "amount": 100}))))
    objects[tag] = value
    del objects["63"]
    assert error_code(with_crc("".join(tlv(t, v) for t, v in sorted(objects.items())))) == "qr.field"


def test_initiation_method_must_match_the_amount() -> None:
    static = dict(parse_tlv(encode(SHOP)))
    del static["63"]
    assert error_code(with_crc("".join(tlv(t, v) for t, v in {**static, "01": "12"}.items()))) == "qr.field"
    dynamic = dict(parse_tlv(encode(MerchantQr(**{**_as_dict(SHOP), "amount": 500}))))
    del dynamic["63"]
    assert error_code(with_crc("".join(tlv(t, v) for t, v in {**dynamic, "01": "11"}.items()))) == "qr.field"
    without_method = {t: v for t, v in static.items() if t != "01"}
    assert decode(with_crc("".join(tlv(t, v) for t, v in without_method.items()))) == SHOP  # tag 01 is optional


def test_too_long() -> None:
    payload = with_crc(encode(SHOP)[:-8] + "".join(tlv(f"{n}", "x" * 95) for n in range(90, 95)))
    assert len(payload) > 512
    assert error_code(payload) == "qr.too_long"
    assert error_code(payload, foreign=True) == "qr.too_long"


def test_without_hiroba_template() -> None:
    assert error_code(_fields_without("27")) == "qr.not_hiroba"
    other = tlv("00", "jp.example.pay") + tlv("01", "m_3fa94c1b") + tlv("02", "saku")
    assert error_code(_fields_without("27", extra=tlv("28", other))) == "qr.not_hiroba"


def test_one_sticker_several_wallets() -> None:
    """Other providers' templates (29, 31 from the sample, one unreadable) sit beside ours and are ignored."""
    objects = dict(parse_tlv(encode(SHOP)))
    del objects["63"]
    objects["29"] = "0012D156000000000510A93FO3230Q"
    objects["31"] = "0012D15600000001030812345678"
    objects["33"] = "not a template at all"
    objects["26"] = tlv("00", "jp.or.paymentsjapan") + "".join(
        tlv(f"{i:02d}", part) for i, part in enumerate(STORE_CODE, start=1)
    )
    payload = with_crc("".join(tlv(t, v) for t, v in objects.items()))  # 26 and 29-33 after 60: order is free
    assert decode(payload) == MerchantQr(**{**_as_dict(SHOP), "jpqr_store_code": STORE_CODE})
    with pytest.raises(QrError) as caught:
        decode_foreign(payload)  # the generic reader insists that every template be well formed
    assert caught.value.code == "qr.tlv"


def test_hiroba_template_in_another_slot_and_twice() -> None:
    objects = dict(parse_tlv(encode(SHOP)))
    del objects["63"]
    ours = objects.pop("27")
    assert decode(with_crc("".join(tlv(t, v) for t, v in {**objects, "45": ours}.items()))) == SHOP
    twice = {**objects, "27": ours, "45": ours}
    assert error_code(with_crc("".join(tlv(t, v) for t, v in twice.items()))) == "qr.field"


def test_hiroba_template_without_merchant_id() -> None:
    broken = tlv("00", HIROBA_AID) + tlv("02", "saku")
    assert error_code(_fields_without("27", extra=tlv("27", broken))) == "qr.field"


def test_other_language_template_is_ignored() -> None:
    payload = _fields_without(extra=tlv("64", tlv("00", "ZH") + tlv("01", "最佳运输")))
    assert decode(payload).name_ja is None
    assert error_code(_fields_without(extra=tlv("64", tlv("00", "JA")))) == "qr.field"


def _as_dict(qr: MerchantQr) -> dict[str, Any]:
    return {name: getattr(qr, name) for name in MerchantQr.__dataclass_fields__}
