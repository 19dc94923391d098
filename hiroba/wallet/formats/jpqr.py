"""EMVCo merchant-presented QR (MPM) payloads in the JPQR layout, free of Django.

A payload is a run of data objects, each a 2-digit ID, a 2-digit length and the value. Lengths count
characters, not bytes: the Japanese store name in tag 64 is 8 characters long whatever its UTF-8 size. The
payload starts with `000201` and ends with tag 63, a CRC-16/CCITT-FALSE over the UTF-8 bytes of everything
before it, `6304` included, written as four upper-case hex digits. At most 512 characters.

Hiroba's own merchant account template sits in tag 27 (sub-tag 00 = HIROBA_AID, 01 = merchant ID, 02 =
currency area). A merchant that holds a JPQR 統一店舗識別コード also gets the JPQR template in tag 26, so the
sticker can be read by other wallets too; in the same spirit `decode` ignores other providers' templates in
27-51. `decode_foreign` reads any well-formed EMVCo payload without the Hiroba rules.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

MAX_PAYLOAD_CHARS = 512
MAX_VALUE_CHARS = 99
HIROBA_AID = "jp.hiroba"
HIROBA_TAG = "27"
JPQR_AID = "jp.or.paymentsjapan"
JPQR_TAG = "26"
JPQR_STORE_CODE_LENGTHS = (13, 4, 6, 6)  # sub-tags 01-04 of the JPQR template
CURRENCY_JPY = "392"
COUNTRY_JP = "JP"
STATIC = "11"
DYNAMIC = "12"
LANGUAGE_JA = "JA"
CRC_HEADER = "6304"  # tag 63, length 04: the CRC covers these four characters too

# EMVCo field sizes (maximum characters).
MAX_ID_CHARS = 32  # Hiroba merchant ID and area slug, our own sub-tags
MAX_NAME_CHARS = 25  # tag 59, and the alternate-language name in tag 64
MAX_CITY_CHARS = 15  # tag 60
MAX_POSTAL_CHARS = 10  # tag 61
MAX_REFERENCE_CHARS = 25  # tag 62, sub-tag 05
MAX_AMOUNT_CHARS = 13  # tag 54
MCC_DIGITS = 4
_HEAD_CHARS = 4  # a data object starts with a 2-digit ID and a 2-digit length

# Templates carry nested data objects: merchant account information, additional data, language template.
_TEMPLATE_TAGS = frozenset({*(f"{n:02d}" for n in range(26, 52)), "62", "64"})
# Unicode categories never allowed in the free-text field (tag 64): controls, format, surrogates, private
# use, unassigned, line and paragraph separators.
_BANNED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_HEX = frozenset("0123456789ABCDEFabcdef")


class QrError(ValueError):
    """Why a payload cannot be read or written; `code` is a stable machine-readable reason.

    qr.crc (bad or missing checksum), qr.tlv (malformed data objects), qr.field (a mandatory field missing or a
    value out of rule), qr.too_long (over 512 characters), qr.not_hiroba (no Hiroba merchant template).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _build_crc_table() -> tuple[int, ...]:
    table: list[int] = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
        table.append(crc)
    return tuple(table)


_CRC_TABLE = _build_crc_table()


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR."""
    crc = 0xFFFF
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _CRC_TABLE[(crc >> 8) ^ byte]
    return crc


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def parse_tlv(payload: str) -> list[tuple[str, str]]:
    """Split a string into its (ID, value) data objects, in order, without looking inside templates."""
    objects: list[tuple[str, str]] = []
    position = 0
    end = len(payload)
    while position < end:
        if end - position < _HEAD_CHARS:
            raise QrError("qr.tlv", f"truncated data object at character {position}")
        tag = payload[position : position + 2]
        length_text = payload[position + 2 : position + 4]
        if not _is_digits(tag):
            raise QrError("qr.tlv", f"data object ID {tag!r} at character {position} is not two digits")
        if not _is_digits(length_text):
            raise QrError("qr.tlv", f"length {length_text!r} of data object {tag} is not two digits")
        length = int(length_text)
        if length == 0:
            raise QrError("qr.tlv", f"data object {tag} has length 00")
        start = position + _HEAD_CHARS
        stop = start + length
        if stop > end:
            raise QrError("qr.tlv", f"data object {tag} claims {length} characters, only {end - start} remain")
        objects.append((tag, payload[start:stop]))
        position = stop
    return objects


def _unique(objects: list[tuple[str, str]], where: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for tag, value in objects:
        if tag in result:
            raise QrError("qr.tlv", f"data object {tag} appears twice in {where}")
        result[tag] = value
    return result


def _template(tag: str, value: str) -> dict[str, str]:
    return _unique(parse_tlv(value), f"template {tag}")


def _tlv(tag: str, value: str) -> str:
    if not 1 <= len(value) <= MAX_VALUE_CHARS:
        raise QrError("qr.field", f"data object {tag} would be {len(value)} characters long (1-99)")
    return f"{tag}{len(value):02d}{value}"


def _join(objects: list[tuple[str, str]]) -> str:
    return "".join(_tlv(tag, value) for tag, value in objects)


def _check_ans(value: str, field: str, max_chars: int) -> None:
    """EMVCo "ans": printable ASCII (space to tilde), 1 to max_chars characters."""
    if not 1 <= len(value) <= max_chars:
        raise QrError("qr.field", f"{field} must be 1-{max_chars} characters, got {len(value)}")
    if not all(" " <= char <= "~" for char in value):
        raise QrError("qr.field", f"{field} must be printable ASCII: {value!r}")


def _check_text(value: str, field: str, max_chars: int) -> None:
    """Free text for the alternate-language template: any printable Unicode, counted in characters."""
    if not 1 <= len(value) <= max_chars:
        raise QrError("qr.field", f"{field} must be 1-{max_chars} characters, got {len(value)}")
    if any(unicodedata.category(char) in _BANNED_CATEGORIES for char in value):
        raise QrError("qr.field", f"{field} contains a control, format or unassigned character: {value!r}")


@dataclass(frozen=True, slots=True)
class MerchantQr:
    """What a Hiroba merchant QR says. Construction validates every field (QrError "qr.field")."""

    merchant_id: str
    area: str
    name: str
    city: str
    mcc: str = "5999"
    postal_code: str | None = None
    name_ja: str | None = None
    amount: int | None = None
    reference: str | None = None
    jpqr_store_code: tuple[str, str, str, str] | None = None

    def __post_init__(self) -> None:
        _check_ans(self.merchant_id, "merchant ID", MAX_ID_CHARS)
        _check_ans(self.area, "area", MAX_ID_CHARS)
        _check_ans(self.name, "merchant name (tag 59)", MAX_NAME_CHARS)
        _check_ans(self.city, "merchant city (tag 60)", MAX_CITY_CHARS)
        if len(self.mcc) != MCC_DIGITS or not _is_digits(self.mcc):
            raise QrError("qr.field", f"merchant category code must be 4 digits: {self.mcc!r}")
        if self.postal_code is not None:
            _check_ans(self.postal_code, "postal code (tag 61)", MAX_POSTAL_CHARS)
        if self.name_ja is not None:
            _check_text(self.name_ja, "Japanese name (tag 64)", MAX_NAME_CHARS)
        if self.amount is not None and (
            isinstance(self.amount, bool)
            or not isinstance(self.amount, int)
            or self.amount <= 0
            or len(str(self.amount)) > MAX_AMOUNT_CHARS
        ):
            raise QrError("qr.field", f"amount must be a whole number of yen, 1 to 13 digits: {self.amount!r}")
        if self.reference is not None:
            _check_ans(self.reference, "reference label (tag 62/05)", MAX_REFERENCE_CHARS)
        if self.jpqr_store_code is not None:
            parts = self.jpqr_store_code
            if len(parts) != len(JPQR_STORE_CODE_LENGTHS) or not all(
                len(part) == size and _is_digits(part)
                for part, size in zip(parts, JPQR_STORE_CODE_LENGTHS, strict=True)
            ):
                raise QrError("qr.field", f"JPQR store code must be digits of lengths 13, 4, 6, 6: {parts!r}")

    @property
    def dynamic(self) -> bool:
        """A code with an amount is dynamic (tag 01 = 12), one without is static (11)."""
        return self.amount is not None


def encode(qr: MerchantQr) -> str:
    """The payload for a merchant QR: tags in ascending order, CRC last. The same input gives the same string."""
    objects: list[tuple[str, str]] = [("00", "01"), ("01", DYNAMIC if qr.dynamic else STATIC)]
    if qr.jpqr_store_code is not None:
        jpqr = [("00", JPQR_AID)] + [(f"{i:02d}", part) for i, part in enumerate(qr.jpqr_store_code, start=1)]
        objects.append((JPQR_TAG, _join(jpqr)))
    objects.append((HIROBA_TAG, _join([("00", HIROBA_AID), ("01", qr.merchant_id), ("02", qr.area)])))
    objects += [("52", qr.mcc), ("53", CURRENCY_JPY)]
    if qr.amount is not None:
        objects.append(("54", str(qr.amount)))
    objects += [("58", COUNTRY_JP), ("59", qr.name), ("60", qr.city)]
    if qr.postal_code is not None:
        objects.append(("61", qr.postal_code))
    if qr.reference is not None:
        objects.append(("62", _join([("05", qr.reference)])))
    if qr.name_ja is not None:
        objects.append(("64", _join([("00", LANGUAGE_JA), ("01", qr.name_ja)])))
    body = _join(objects) + CRC_HEADER
    payload = f"{body}{crc16_ccitt_false(body.encode('utf-8')):04X}"
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise QrError("qr.too_long", f"payload would be {len(payload)} characters (at most {MAX_PAYLOAD_CHARS})")
    return payload


def _check_crc(payload: str) -> None:
    if len(payload) < len(CRC_HEADER) + 4 or payload[-8:-4] != CRC_HEADER:
        raise QrError("qr.crc", "payload does not end with a CRC (tag 63, length 04)")
    stated = payload[-4:]
    if not all(char in _HEX for char in stated):
        raise QrError("qr.crc", f"CRC {stated!r} is not four hex digits")
    try:
        data = payload[:-4].encode("utf-8")
    except UnicodeEncodeError as exc:
        raise QrError("qr.crc", "payload holds characters that cannot be checksummed (lone surrogates)") from exc
    computed = crc16_ccitt_false(data)
    if int(stated, 16) != computed:
        raise QrError("qr.crc", f"CRC mismatch: payload says {stated}, content gives {computed:04X}")


def _top_level(payload: str) -> dict[str, str]:
    """Length, CRC, then structure: every payload check shared by `decode` and `decode_foreign`."""
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise QrError("qr.too_long", f"payload is {len(payload)} characters (at most {MAX_PAYLOAD_CHARS})")
    _check_crc(payload)
    objects = parse_tlv(payload)
    fields = _unique(objects, "the payload")
    if objects[-1][0] != "63":
        raise QrError("qr.tlv", "the CRC (tag 63) is not the last data object")
    if objects[0] != ("00", "01"):
        raise QrError("qr.field", "payload does not start with the payload format indicator 000201")
    return fields


def decode_foreign(payload: str) -> dict[str, object]:
    """Any EMVCo MPM payload (another wallet's JPQR sticker, say) as {tag: value}, templates as nested dicts.

    Checks the length, the CRC, the data-object structure and the format indicator; applies no Hiroba or JPQR
    profile rule. Templates are tags 26-51 (merchant account information), 62 and 64.
    """
    result: dict[str, object] = {}
    for tag, value in _top_level(payload).items():
        result[tag] = _template(tag, value) if tag in _TEMPLATE_TAGS else value
    return result


def _required(fields: dict[str, str], tag: str, what: str) -> str:
    value = fields.get(tag)
    if value is None:
        raise QrError("qr.field", f"{what} (tag {tag}) is missing")
    return value


def _hiroba_template(fields: dict[str, str]) -> dict[str, str]:
    found: dict[str, str] | None = None
    for number in range(27, 52):
        value = fields.get(f"{number:02d}")
        if value is None:
            continue
        try:
            template = _template(f"{number:02d}", value)
        except QrError:
            continue  # another provider's template that we cannot read: not ours, not our business
        if template.get("00") != HIROBA_AID:
            continue
        if found is not None:
            raise QrError("qr.field", "the payload holds two Hiroba merchant templates")
        found = template
    if found is None:
        raise QrError("qr.not_hiroba", f"no merchant account template with the ID {HIROBA_AID}")
    return found


def _jpqr_store_code(fields: dict[str, str]) -> tuple[str, str, str, str] | None:
    value = fields.get(JPQR_TAG)
    if value is None:
        return None
    template = _template(JPQR_TAG, value)
    if template.get("00") != JPQR_AID:
        return None
    parts = [_required(template, f"{i:02d}", "JPQR store code part") for i in range(1, 5)]
    return (parts[0], parts[1], parts[2], parts[3])


def decode(payload: str) -> MerchantQr:
    """Read a Hiroba merchant QR: CRC first, then structure, the JP/JPY profile and Hiroba's template."""
    fields = _top_level(payload)
    if _required(fields, "58", "country code") != COUNTRY_JP:
        raise QrError("qr.field", f"country code is {fields['58']!r}, not {COUNTRY_JP}")
    if _required(fields, "53", "transaction currency") != CURRENCY_JPY:
        raise QrError("qr.field", f"transaction currency is {fields['53']}, not {CURRENCY_JPY} (JPY)")
    hiroba = _hiroba_template(fields)

    amount: int | None = None
    amount_text = fields.get("54")
    if amount_text is not None:
        if not _is_digits(amount_text) or amount_text.startswith("0"):
            raise QrError("qr.field", f"amount {amount_text!r} is not a whole number of yen")
        amount = int(amount_text)
    initiation = fields.get("01")
    if initiation is not None and initiation not in {STATIC, DYNAMIC}:
        raise QrError("qr.field", f"point of initiation method {initiation!r} is neither 11 nor 12")
    if (initiation == DYNAMIC) != (amount is not None):
        raise QrError("qr.field", "a dynamic code (01 = 12) must carry an amount, and only a dynamic code may")

    reference = _template("62", fields["62"]).get("05") if "62" in fields else None
    name_ja: str | None = None
    if "64" in fields:
        language = _template("64", fields["64"])
        if _required(language, "00", "language preference") == LANGUAGE_JA:
            name_ja = _required(language, "01", "alternate-language merchant name")

    return MerchantQr(
        merchant_id=_required(hiroba, "01", "Hiroba merchant ID"),
        area=_required(hiroba, "02", "Hiroba currency area"),
        name=_required(fields, "59", "merchant name"),
        city=_required(fields, "60", "merchant city"),
        mcc=_required(fields, "52", "merchant category code"),
        postal_code=fields.get("61"),
        name_ja=name_ja,
        amount=amount,
        reference=reference,
        jpqr_store_code=_jpqr_store_code(fields),
    )
