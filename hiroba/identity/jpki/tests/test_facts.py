"""Reading the signature certificate's 基本4情報 (subjectAltName otherNames)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from hypothesis import given, settings
from hypothesis import strategies as st

from hiroba.identity.jpki import BasicFacts, CertificateKind, JpkiError, issue_certificate, read_basic_facts
from hiroba.identity.jpki.facts import (
    ADDRESS_OID,
    BIRTH_DATE_OID,
    NAME_OID,
    SEX_OID,
    decode_der_string,
)
from hiroba.identity.jpki.testca import der_utf8_string, encode_birth_date
from hiroba.identity.jpki.tests import NOW, card, leaf_key, rig


def refused(code: str) -> pytest.RaisesExc[JpkiError]:
    return pytest.raises(JpkiError, match=f"^{code}: ")


def test_read_from_a_card() -> None:
    facts = read_basic_facts(card().sign_certificate)
    assert facts == BasicFacts(
        name="山田 花子",
        name_substitute="山田 花子",
        sex="2",
        birth_date=date(1990, 1, 2),
        address="東京都千代田区霞が関二丁目1番2号",
        address_substitute="東京都千代田区霞が関二丁目1番2号",
    )


def test_birth_date_carries_the_era_digit() -> None:
    alt = card().sign_certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    values = {other.type_id.dotted_string: other.value for other in alt.get_values_for_type(x509.OtherName)}
    assert values[BIRTH_DATE_OID] == b"\x0c\x09419900102"
    assert set(values) == {f"1.2.392.200149.8.5.5.{n}" for n in range(1, 7)}


@pytest.mark.parametrize(
    ("day", "encoded"),
    [
        (date(1990, 1, 2), "419900102"),
        (date(1989, 1, 7), "319890107"),
        (date(1989, 1, 8), "419890108"),
        (date(2019, 4, 30), "420190430"),
        (date(2019, 5, 1), "520190501"),
        (date(1926, 12, 24), "219261224"),
        (date(1912, 7, 29), "119120729"),
    ],
)
def test_encode_birth_date(day: date, encoded: str) -> None:
    assert encode_birth_date(day) == encoded


def test_authentication_certificate_has_no_facts() -> None:
    with refused("jpki.malformed_certificate"):
        read_basic_facts(card().auth_certificate)


def with_other_names(values: dict[str, bytes]) -> x509.Certificate:
    """A throwaway self-signed certificate carrying exactly these otherNames."""
    key = leaf_key(6)
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "facts test")])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOW)
        .not_valid_after(NOW + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.OtherName(x509.ObjectIdentifier(oid), value) for oid, value in values.items()]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )


GOOD = {
    NAME_OID: der_utf8_string("佐藤 太郎"),
    SEX_OID: der_utf8_string("1"),
    BIRTH_DATE_OID: der_utf8_string("319850315"),
    ADDRESS_OID: der_utf8_string("大阪府大阪市北区"),
}


def test_minimal_facts_without_substitutes() -> None:
    facts = read_basic_facts(with_other_names(GOOD))
    assert facts.name == "佐藤 太郎"
    assert facts.sex == "1"
    assert facts.birth_date == date(1985, 3, 15)
    assert facts.name_substitute is None
    assert facts.address_substitute is None


def test_other_string_types_are_read() -> None:
    bmp = "佐藤".encode("utf-16-be")
    facts = read_basic_facts(
        with_other_names({**GOOD, NAME_OID: b"\x1e" + bytes([len(bmp)]) + bmp, SEX_OID: b"\x13\x013"})
    )
    assert facts.name == "佐藤"
    assert facts.sex == "3"


@pytest.mark.parametrize(
    "change",
    [
        {BIRTH_DATE_OID: None},
        {NAME_OID: None},
        {ADDRESS_OID: der_utf8_string("")},
        {BIRTH_DATE_OID: der_utf8_string("419901302")},
        {BIRTH_DATE_OID: der_utf8_string("19900102")},
        {BIRTH_DATE_OID: der_utf8_string("4199O0102")},
        {SEX_OID: der_utf8_string("9")},
        {NAME_OID: b"\x04\x03abc"},
        {NAME_OID: b"\x0c\x02\xff\xfe"},
    ],
    ids=[
        "no-birth-date",
        "no-name",
        "empty-address",
        "month-13",
        "no-era-digit",
        "letter-in-date",
        "sex-9",
        "octet-string",
        "not-utf8",
    ],
)
def test_garbled_facts(change: dict[str, bytes | None]) -> None:
    values = {oid: value for oid, value in {**GOOD, **change}.items() if value is not None}
    with refused("jpki.malformed_certificate"):
        read_basic_facts(with_other_names(values))


@pytest.mark.parametrize(
    "value",
    [b"", b"\x0c", b"\x0cabc", b"\x0c\x05abc", b"\x0c\x03abc\x00", b"\x0c\x85\x00\x00\x00\x00\x03abc", b"\x30\x00"],
    ids=["empty", "tag-only", "bad-length", "short-value", "trailing-byte", "huge-length-field", "not-a-string"],
)
def test_der_reader_refuses_broken_values(value: bytes) -> None:
    with pytest.raises(ValueError, match=r"TLV|length|tag"):
        decode_der_string(value)


def test_long_form_lengths() -> None:
    text = "東京都" * 100
    assert decode_der_string(der_utf8_string(text)) == text
    assert decode_der_string(b"\x0c\x81\x03abc") == "abc"
    with pytest.raises(ValueError, match="length"):
        decode_der_string(b"\x0c\x80abc")


names = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # kanji
        st.characters(min_codepoint=0x3040, max_codepoint=0x30FF),  # kana
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),  # ASCII
        st.characters(exclude_categories=["Cs"]),  # anything else but surrogates
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(
    name=names,
    name_substitute=st.none() | names,
    sex=st.sampled_from(["1", "2", "3"]),
    birth_date=st.dates(),
    address=names,
    address_substitute=st.none() | names,
)
def test_issue_then_read_round_trips(
    name: str, name_substitute: str | None, sex: str, birth_date: date, address: str, address_substitute: str | None
) -> None:
    facts = BasicFacts(
        name=name,
        name_substitute=name_substitute,
        sex=sex,
        birth_date=birth_date,
        address=address,
        address_substitute=address_substitute,
    )
    certificate = issue_certificate(rig(), CertificateKind.SIGN, leaf_key(7).public_key(), now=NOW, facts=facts)
    assert read_basic_facts(certificate) == facts
