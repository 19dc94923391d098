"""The signature certificate's 基本4情報 (name, sex, birth date, address), read from its subjectAltName.

JPKI puts them in otherNames under arc 1.2.392.200149.8.5.5; each value is a DER string (UTF8String in
practice), decoded here by a small reader of its own so no ASN.1 library is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from cryptography import x509

from .errors import MALFORMED_CERTIFICATE, JpkiError

BASIC_FACTS_ARC: Final = "1.2.392.200149.8.5.5"
NAME_OID: Final = f"{BASIC_FACTS_ARC}.1"
NAME_SUBSTITUTE_OID: Final = f"{BASIC_FACTS_ARC}.2"
SEX_OID: Final = f"{BASIC_FACTS_ARC}.3"
BIRTH_DATE_OID: Final = f"{BASIC_FACTS_ARC}.4"
ADDRESS_OID: Final = f"{BASIC_FACTS_ARC}.5"
ADDRESS_SUBSTITUTE_OID: Final = f"{BASIC_FACTS_ARC}.6"

SEX_CODES: Final = frozenset({"1", "2", "3"})  # 1 male, 2 female, 3 other/unknown (as JPKI encodes it)

# DER string tags → Python codec. Anything else in a 基本4情報 value counts as garbled.
_STRING_CODECS: Final = {
    0x0C: "utf-8",  # UTF8String
    0x12: "ascii",  # NumericString
    0x13: "ascii",  # PrintableString
    0x14: "latin-1",  # TeletexString (T.61; Latin-1 is the usual reading)
    0x16: "ascii",  # IA5String
    0x1A: "ascii",  # VisibleString
    0x1C: "utf-32-be",  # UniversalString
    0x1E: "utf-16-be",  # BMPString
}
_MAX_LENGTH_OCTETS: Final = 4
_LONG_FORM: Final = 0x80  # length octet bit 8: long-form length follows


@dataclass(frozen=True)
class BasicFacts:
    name: str  # .1 氏名
    name_substitute: str | None  # .2 氏名代替文字
    sex: str  # .3 性別: "1" male, "2" female, "3" other/unknown
    birth_date: date  # .4 生年月日 (era digit + Gregorian YYYYMMDD on the wire)
    address: str  # .5 住所
    address_substitute: str | None  # .6 住所代替文字


def _garbled(message: str) -> JpkiError:
    return JpkiError(MALFORMED_CERTIFICATE, message)


def decode_der_string(value: bytes) -> str:
    """Decode one complete DER string TLV (definite length, nothing after it); ValueError when garbled."""
    if len(value) < 2:  # noqa: PLR2004 - a tag and a length octet
        raise ValueError("truncated TLV")
    tag, first = value[0], value[1]
    codec = _STRING_CODECS.get(tag)
    if codec is None:
        raise ValueError(f"tag 0x{tag:02x} is not a supported string type")
    offset = 2
    if first < _LONG_FORM:
        length = first
    else:
        octets = first & 0x7F
        if octets == 0 or octets > _MAX_LENGTH_OCTETS or len(value) < offset + octets:
            raise ValueError("unsupported or truncated length")
        length = int.from_bytes(value[offset : offset + octets], "big")
        offset += octets
    if offset + length != len(value):
        raise ValueError("length does not match the value")
    return value[offset:].decode(codec)


def _birth_date(text: str) -> date:
    # One era digit (1 明治 … 5 令和), then the Gregorian date as YYYYMMDD.
    if len(text) != 9 or not text.isascii() or not text.isdigit():  # noqa: PLR2004 - era digit + YYYYMMDD
        raise _garbled(f"birth date {text!r} is not an era digit followed by YYYYMMDD")
    try:
        return date(int(text[1:5]), int(text[5:7]), int(text[7:9]))
    except ValueError as exc:
        raise _garbled(f"birth date {text!r} is not a calendar date") from exc


def read_basic_facts(certificate: x509.Certificate) -> BasicFacts:
    """The 基本4情報 of a signature certificate; JpkiError `jpki.malformed_certificate` when absent or garbled."""
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        raise _garbled("certificate has no subjectAltName (not a signature certificate?)") from None
    except ValueError as exc:
        raise _garbled(f"extensions do not parse: {exc}") from exc
    values: dict[str, str] = {}
    for other in names.get_values_for_type(x509.OtherName):
        oid = other.type_id.dotted_string
        if not oid.startswith(f"{BASIC_FACTS_ARC}."):
            continue
        if oid in values:
            raise _garbled(f"otherName {oid} appears twice")
        try:
            values[oid] = decode_der_string(other.value)
        except ValueError as exc:  # includes UnicodeDecodeError
            raise _garbled(f"otherName {oid} is not a readable string: {exc}") from exc
    for oid in (NAME_OID, SEX_OID, BIRTH_DATE_OID, ADDRESS_OID):
        if not values.get(oid):
            raise _garbled(f"otherName {oid} is missing or empty")
    sex = values[SEX_OID]
    if sex not in SEX_CODES:
        raise _garbled(f"sex code {sex!r} is not one of {sorted(SEX_CODES)}")
    return BasicFacts(
        name=values[NAME_OID],
        name_substitute=values.get(NAME_SUBSTITUTE_OID),
        sex=sex,
        birth_date=_birth_date(values[BIRTH_DATE_OID]),
        address=values[ADDRESS_OID],
        address_substitute=values.get(ADDRESS_SUBSTITUTE_OID),
    )
