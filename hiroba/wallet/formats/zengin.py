"""全銀協 総合振込 (種別コード 21) files: how merchants are paid by bank transfer.

A file is a sequence of fixed 120-byte records: one header (データ区分 1), one data record (2) per
transfer, a trailer (8) with the count and total, and an end record (9). Text is JIS X 0201 in the
Shift_JIS family (cp932): the only characters allowed are half-width katakana, upper-case latin
letters, digits, space and a few symbols, every one of them a single byte, so a record's byte
length equals its character count. `N` fields are ASCII digits, right-aligned and zero-filled;
`C` fields are left-aligned and space-filled.

`write` refuses anything it cannot encode exactly and `read` refuses anything it cannot represent,
so for every file `read` accepts, `write(read(data))` gives the same records back (the separator
and the optional EOF byte are chosen by the caller of `write`).

Two things the layout does not say and this module decides:

- 振込指定日 is written as MMDD without a year. `read` picks the year that puts the date nearest
  to `reference_date` (today by default), so files up to about six months old or ahead read right.
- 顧客コード1/2 are read and written as text fields (left-aligned, space-filled). Bank software in
  the wild fills them with kana as well as digits; a caller wanting zero-filled numbers passes them
  zero-filled. With 識別表示 ``Y`` the 20 characters of both customer codes carry EDI information
  instead (`Transfer.edi`).

Banks add their own rules on top of this layout (which 振込区分 they accept, whether 手形交換所番号
must be 0000); those belong in a per-bank profile, not here.
"""

from __future__ import annotations

import string
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from enum import IntEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

import jaconv

__all__ = [
    "DATA_FIELDS",
    "END_FIELDS",
    "HEADER_FIELDS",
    "MAX_AMOUNT",
    "MAX_INPUT_BYTES",
    "RECORD_LENGTH",
    "TRAILER_FIELDS",
    "ZENGIN_CHARACTERS",
    "AccountType",
    "FieldSpec",
    "Header",
    "Transfer",
    "TransferFile",
    "ZenginError",
    "read",
    "to_halfwidth_kana",
    "write",
]

RECORD_LENGTH = 120
MAX_INPUT_BYTES = 64 * 1024 * 1024
MAX_AMOUNT = 9_999_999_999  # 振込金額 N10
MAX_COUNT = 999_999  # 合計件数 N6
MAX_TOTAL = 999_999_999_999  # 合計金額 N12
ENCODING = "cp932"
EOF_BYTE = b"\x1a"
LINE_ENDINGS = ("\r\n", "\n", "\r", "")
_BANK_TIME_ZONE = ZoneInfo("Asia/Tokyo")

# Half-width katakana ｦ and ｱ–ﾝ with the voicing marks ﾞﾟ; no small kana (ｧ–ｯ), no prolonged-sound mark ｰ,
# no half-width punctuation (｡｢｣､･).
_HALFWIDTH_KATAKANA = "ｦ" + "".join(chr(code) for code in range(ord("ｱ"), ord("ﾟ") + 1))
ZENGIN_CHARACTERS = frozenset(_HALFWIDTH_KATAKANA + string.ascii_uppercase + string.digits + " ()-./,")

# Bytes that can occur in a record: ASCII, and the single-byte JIS X 0201 katakana block 0xA1–0xDF.
# Anything else is either a double-byte (full-width) character or not cp932 at all.
_SINGLE_BYTES = bytes(range(0x80)) + bytes(range(0xA1, 0xE0))
_ASCII_DIGITS = frozenset(string.digits)


class ZenginError(ValueError):
    """A value that cannot be written, or a file that cannot be read, as a 総合振込 file.

    `code` is stable and machine-readable (``zengin.length``, ``zengin.record_order``, ``zengin.field``,
    ``zengin.amount``, ``zengin.encoding``, ``zengin.not_katakana``, ``zengin.trailer_mismatch``,
    ``zengin.empty``, ``zengin.too_large``, ``zengin.line_ending``); `line` is the 1-based record number
    when reading; `field` names the field concerned, when there is one.
    """

    def __init__(self, code: str, message: str, *, line: int | None = None, field: str | None = None) -> None:
        self.code = code
        self.line = line
        self.field = field
        where = [f"record {line}"] if line is not None else []
        where += [f"field {field}"] if field is not None else []
        super().__init__(f"{message} ({', '.join(where)})" if where else message)


class AccountType(IntEnum):
    """預金種目. The header allows 1, 2 and 9; data records also allow 4."""

    ORDINARY = 1  # 普通
    CURRENT = 2  # 当座
    SAVINGS = 4  # 貯蓄
    OTHER = 9  # その他


_HEADER_ACCOUNT_TYPES = frozenset({AccountType.ORDINARY, AccountType.CURRENT, AccountType.OTHER})
_DATA_ACCOUNT_TYPES = frozenset(AccountType)
_KINDS = frozenset({"21"})  # 給与 (11) and 賞与 (12) use a different data record tail
_NEW_CODES = frozenset("012")  # 0 その他, 1 第1回振込分, 2 変更分
_TRANSFER_CATEGORIES = frozenset("78")  # 7 テレ振込, 8 文書振込
_EDI_MARK = "Y"


class FieldSpec(NamedTuple):
    """One field of a record: 0-based byte offset and width."""

    name: str
    start: int
    width: int


def _layout(*fields: tuple[str, int]) -> tuple[FieldSpec, ...]:
    specs: list[FieldSpec] = []
    start = 0
    for name, width in fields:
        specs.append(FieldSpec(name, start, width))
        start += width
    if start != RECORD_LENGTH:  # pragma: no cover - a layout typo, caught at import
        raise AssertionError(f"layout adds up to {start} bytes")
    return tuple(specs)


HEADER_FIELDS = _layout(
    ("record_type", 1),
    ("kind", 2),
    ("code_division", 1),
    ("requester_code", 10),
    ("requester_name", 40),
    ("transfer_date", 4),
    ("bank_code", 4),
    ("bank_name", 15),
    ("branch_code", 3),
    ("branch_name", 15),
    ("account_type", 1),
    ("account_number", 7),
    ("dummy", 17),
)
DATA_FIELDS = _layout(
    ("record_type", 1),
    ("bank_code", 4),
    ("bank_name", 15),
    ("branch_code", 3),
    ("branch_name", 15),
    ("clearing_house_code", 4),
    ("account_type", 1),
    ("account_number", 7),
    ("holder_name", 30),
    ("amount", 10),
    ("new_code", 1),
    ("customer_code_1", 10),
    ("customer_code_2", 10),
    ("transfer_category", 1),
    ("identification", 1),
    ("dummy", 7),
)
TRAILER_FIELDS = _layout(("record_type", 1), ("count", 6), ("total", 12), ("dummy", 101))
END_FIELDS = _layout(("record_type", 1), ("dummy", 119))
_EDI_WIDTH = 20  # customer_code_1 + customer_code_2


@dataclass(frozen=True)
class Header:
    """ヘッダーレコード: who pays (依頼人), from which account, on which day."""

    requester_code: str  # 依頼人コード, 10 digits, assigned by the bank
    requester_name: str  # 依頼人名, ≤ 40 Zengin characters
    transfer_date: date  # 振込指定日, written as MMDD
    bank_code: str  # 仕向銀行番号, 4 digits
    bank_name: str  # ≤ 15, may be empty
    branch_code: str  # 3 digits
    branch_name: str  # ≤ 15, may be empty
    account_type: AccountType  # 1, 2 or 9
    account_number: str  # 7 digits
    kind: str = "21"  # 種別コード; only 総合振込 is supported


@dataclass(frozen=True)
class Transfer:
    """データレコード: one payment to one account.

    `identification` is 識別表示: ``" "`` normally, ``"Y"`` when `edi` is given (set automatically).
    Other values are not standard but occur in files from other software; they are kept so that
    reading and writing such a file loses nothing.
    """

    bank_code: str  # 被仕向銀行番号, 4 digits
    bank_name: str  # ≤ 15, may be empty
    branch_code: str  # 3 digits
    branch_name: str  # ≤ 15, may be empty
    account_type: AccountType
    account_number: str  # 7 digits
    holder_name: str  # 受取人名, ≤ 30, not empty
    amount: int  # yen, 1 … 9,999,999,999
    customer_code_1: str = ""  # ≤ 10
    customer_code_2: str = ""  # ≤ 10
    new_code: str = "0"  # 新規コード: 0, 1 or 2
    edi: str | None = None  # EDI情報, ≤ 20, in place of both customer codes
    clearing_house_code: str = "0000"  # 手形交換所番号, 4 digits
    transfer_category: str = "7"  # 振込区分: 7 テレ振込, 8 文書振込
    identification: str = " "  # 識別表示

    def __post_init__(self) -> None:
        if self.edi is not None and self.identification == " ":
            object.__setattr__(self, "identification", _EDI_MARK)


@dataclass(frozen=True)
class TransferFile:
    """One 総合振込 batch: a header and its transfers, in file order."""

    header: Header
    transfers: tuple[Transfer, ...]

    @property
    def total(self) -> int:
        return sum(transfer.amount for transfer in self.transfers)

    @property
    def count(self) -> int:
        return len(self.transfers)


# --- text ------------------------------------------------------------------------------------------------------

# Small kana become full-size kana, as banks require for account-holder names; the prolonged-sound mark
# becomes a hyphen, the usual substitute in bank names (ｻｰﾋﾞｽ → ｻ-ﾋﾞｽ).
_HALFWIDTH_FIXUPS = str.maketrans("ｧｨｩｪｫｬｭｮｯｰ", "ｱｲｳｴｵﾔﾕﾖﾂ-")
# Full-width kana with no half-width form: archaic ヰヱ, small ヵヶヮ; and the minus sign.
_FULLWIDTH_FIXUPS = str.maketrans({"ヰ": "イ", "ヱ": "エ", "ヵ": "カ", "ヶ": "ケ", "ヮ": "ワ", "−": "-"})
_UPPER_ASCII = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


def to_halfwidth_kana(text: str) -> str:
    """Convert `text` to the characters a Zengin record allows, or raise ``zengin.not_katakana``.

    Hiragana and full-width katakana, digits, latin letters and symbols become half-width; latin
    letters become upper-case; small kana become full-size. Kanji and any other character that has
    no Zengin form is refused rather than dropped.
    """
    converted = unicodedata.normalize("NFC", text)  # か + U+3099 → が
    converted = jaconv.hira2kata(converted).translate(_FULLWIDTH_FIXUPS)
    converted = jaconv.z2h(converted, kana=True, ascii=True, digit=True)
    converted = converted.translate(_UPPER_ASCII).translate(_HALFWIDTH_FIXUPS)
    for char in converted:
        if char not in ZENGIN_CHARACTERS:
            raise ZenginError("zengin.not_katakana", f"{char!r} has no half-width Zengin form")
    return converted


# --- writing ---------------------------------------------------------------------------------------------------


def _digits(value: object, width: int, field: str) -> str:
    if not (isinstance(value, str) and len(value) == width and set(value) <= _ASCII_DIGITS):
        raise ZenginError("zengin.field", f"must be exactly {width} ASCII digits, got {value!r}", field=field)
    return value


def _number(value: int, width: int, field: str) -> str:
    text = str(value)
    if value < 0 or len(text) > width:
        raise ZenginError("zengin.field", f"{value} does not fit in {width} digits", field=field)
    return text.zfill(width)


def _amount(value: object, field: str = "amount") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_AMOUNT:
        raise ZenginError("zengin.amount", f"must be a whole number of yen from 1 to {MAX_AMOUNT:,}", field=field)
    return value


def _text(value: object, width: int, field: str, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise ZenginError("zengin.field", f"must be a string, got {type(value).__name__}", field=field)
    for char in value:
        if char not in ZENGIN_CHARACTERS:
            raise ZenginError("zengin.not_katakana", f"{char!r} is not a Zengin character", field=field)
    if len(value) > width:
        raise ZenginError("zengin.field", f"{len(value)} characters do not fit in {width}", field=field)
    if value.endswith(" "):
        raise ZenginError("zengin.field", "trailing spaces would be lost in the space-filled field", field=field)
    if required and not value:
        raise ZenginError("zengin.field", "must not be empty", field=field)
    return value.ljust(width)


def _flag(value: object, allowed: frozenset[str], field: str) -> str:
    if not (isinstance(value, str) and value in allowed):
        raise ZenginError("zengin.field", f"must be one of {sorted(allowed)}, got {value!r}", field=field)
    return value


def _mark(value: object, field: str = "identification") -> str:
    if not (isinstance(value, str) and len(value) == 1 and value in ZENGIN_CHARACTERS):
        raise ZenginError("zengin.field", f"must be one Zengin character, got {value!r}", field=field)
    return value


def _account_type(value: object, allowed: frozenset[AccountType], field: str = "account_type") -> str:
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        raise ZenginError("zengin.field", f"must be one of {sorted(map(int, allowed))}, got {value!r}", field=field)
    return str(int(value))


def _record(layout: tuple[FieldSpec, ...], values: dict[str, str]) -> str:
    parts = []
    for spec in layout:
        part = values.get(spec.name, " " * spec.width)
        if len(part) != spec.width:  # pragma: no cover - the helpers above always pad to width
            raise AssertionError(f"{spec.name}: {part!r} is not {spec.width} wide")
        parts.append(part)
    return "".join(parts)


def _header_record(header: Header) -> str:
    if not isinstance(header.transfer_date, date):
        raise ZenginError("zengin.field", "must be a date", field="transfer_date")
    return _record(
        HEADER_FIELDS,
        {
            "record_type": "1",
            "kind": _flag(header.kind, _KINDS, "kind"),
            "code_division": "0",
            "requester_code": _digits(header.requester_code, 10, "requester_code"),
            "requester_name": _text(header.requester_name, 40, "requester_name", required=True),
            "transfer_date": f"{header.transfer_date.month:02d}{header.transfer_date.day:02d}",
            "bank_code": _digits(header.bank_code, 4, "bank_code"),
            "bank_name": _text(header.bank_name, 15, "bank_name"),
            "branch_code": _digits(header.branch_code, 3, "branch_code"),
            "branch_name": _text(header.branch_name, 15, "branch_name"),
            "account_type": _account_type(header.account_type, _HEADER_ACCOUNT_TYPES),
            "account_number": _digits(header.account_number, 7, "account_number"),
        },
    )


def _data_record(transfer: Transfer) -> str:
    values = {
        "record_type": "2",
        "bank_code": _digits(transfer.bank_code, 4, "bank_code"),
        "bank_name": _text(transfer.bank_name, 15, "bank_name"),
        "branch_code": _digits(transfer.branch_code, 3, "branch_code"),
        "branch_name": _text(transfer.branch_name, 15, "branch_name"),
        "clearing_house_code": _digits(transfer.clearing_house_code, 4, "clearing_house_code"),
        "account_type": _account_type(transfer.account_type, _DATA_ACCOUNT_TYPES),
        "account_number": _digits(transfer.account_number, 7, "account_number"),
        "holder_name": _text(transfer.holder_name, 30, "holder_name", required=True),
        "amount": _number(_amount(transfer.amount), 10, "amount"),
        "new_code": _flag(transfer.new_code, _NEW_CODES, "new_code"),
        "transfer_category": _flag(transfer.transfer_category, _TRANSFER_CATEGORIES, "transfer_category"),
        "identification": _mark(transfer.identification),
    }
    if transfer.edi is not None:
        if transfer.customer_code_1 or transfer.customer_code_2:
            raise ZenginError("zengin.field", "EDI information replaces both customer codes", field="edi")
        if transfer.identification != _EDI_MARK:
            raise ZenginError("zengin.field", "EDI information needs 識別表示 'Y'", field="identification")
        edi = _text(transfer.edi, _EDI_WIDTH, "edi")
        values["customer_code_1"], values["customer_code_2"] = edi[:10], edi[10:]
    else:
        if transfer.identification == _EDI_MARK:
            raise ZenginError("zengin.field", "識別表示 'Y' needs EDI information", field="identification")
        values["customer_code_1"] = _text(transfer.customer_code_1, 10, "customer_code_1")
        values["customer_code_2"] = _text(transfer.customer_code_2, 10, "customer_code_2")
    return _record(DATA_FIELDS, values)


def write(file: TransferFile, *, line_ending: str = "\r\n", end_of_file: bool = False) -> bytes:
    """Encode `file` as cp932 records: header, data…, trailer, end.

    `line_ending` follows every record, the last one included ("" gives bare 120-byte records);
    `end_of_file` appends the EOF byte 0x1A some bank software expects. Equal input gives equal bytes.
    """
    if line_ending not in LINE_ENDINGS:
        raise ZenginError("zengin.line_ending", f"must be one of {LINE_ENDINGS!r}, got {line_ending!r}")
    if not file.transfers:
        raise ZenginError("zengin.empty", "a transfer file needs at least one transfer")
    if file.count > MAX_COUNT:
        raise ZenginError("zengin.field", f"more than {MAX_COUNT:,} transfers", field="count")
    records = [_header_record(file.header)]
    records += [_data_record(transfer) for transfer in file.transfers]
    if file.total > MAX_TOTAL:
        raise ZenginError("zengin.field", f"the total is over {MAX_TOTAL:,} yen", field="total")
    records.append(
        _record(
            TRAILER_FIELDS,
            {"record_type": "8", "count": _number(file.count, 6, "count"), "total": _number(file.total, 12, "total")},
        )
    )
    records.append(_record(END_FIELDS, {"record_type": "9"}))
    text = "".join(record + line_ending for record in records)
    return text.encode(ENCODING) + (EOF_BYTE if end_of_file else b"")


# --- reading ---------------------------------------------------------------------------------------------------


def _split_records(data: bytes) -> list[bytes]:
    """Cut `data` into 120-byte records, whatever the (consistent) separator."""
    data = data.removesuffix(EOF_BYTE)
    cr, lf = data.find(b"\r"), data.find(b"\n")
    if cr < 0 and lf < 0:
        if len(data) % RECORD_LENGTH:
            raise ZenginError(
                "zengin.length",
                f"{len(data)} bytes without separators is not a whole number of {RECORD_LENGTH}-byte records",
                line=len(data) // RECORD_LENGTH + 1,
            )
        return [data[start : start + RECORD_LENGTH] for start in range(0, len(data), RECORD_LENGTH)]
    first = min(position for position in (cr, lf) if position >= 0)
    separator = b"\r\n" if data[first : first + 2] == b"\r\n" else data[first : first + 1]
    records = data.split(separator)
    if records[-1] == b"":  # the separator after the last record is optional
        records.pop()
    for number, record in enumerate(records, start=1):
        if len(record) != RECORD_LENGTH or b"\r" in record or b"\n" in record:
            raise ZenginError(
                "zengin.length",
                f"record is {len(record)} bytes between {separator!r} separators, not {RECORD_LENGTH}",
                line=number,
            )
    return records


def _decode(record: bytes, line: int) -> str:
    if record.translate(None, _SINGLE_BYTES):
        raise ZenginError("zengin.encoding", "full-width or non-cp932 bytes in the record", line=line)
    return record.decode(ENCODING)  # single-byte cp932 only: one character per byte


class _Fields:
    """The fields of one decoded record, read and checked by name."""

    def __init__(self, layout: tuple[FieldSpec, ...], text: str, line: int) -> None:
        self._raw = {spec.name: text[spec.start : spec.start + spec.width] for spec in layout}
        self.line = line

    def raw(self, name: str) -> str:
        return self._raw[name]

    def digits(self, name: str) -> str:
        value = self._raw[name]
        if not set(value) <= _ASCII_DIGITS:
            raise ZenginError("zengin.field", f"numeric field holds {value!r}", line=self.line, field=name)
        return value

    def number(self, name: str) -> int:
        return int(self.digits(name))

    def amount(self, name: str) -> int:
        value = self.number(name)
        if value < 1:
            raise ZenginError("zengin.amount", "transfer amount is zero", line=self.line, field=name)
        return value

    def text(self, name: str, *, required: bool = False) -> str:
        value = self._raw[name]
        for char in value:
            if char not in ZENGIN_CHARACTERS:
                raise ZenginError(
                    "zengin.not_katakana", f"{char!r} is not a Zengin character", line=self.line, field=name
                )
        value = value.rstrip(" ")
        if required and not value:
            raise ZenginError("zengin.field", "must not be empty", line=self.line, field=name)
        return value

    def flag(self, name: str, allowed: frozenset[str]) -> str:
        value = self._raw[name]
        if value not in allowed:
            raise ZenginError(
                "zengin.field", f"must be one of {sorted(allowed)}, got {value!r}", line=self.line, field=name
            )
        return value

    def mark(self, name: str) -> str:
        value = self._raw[name]
        if value not in ZENGIN_CHARACTERS:
            raise ZenginError("zengin.not_katakana", f"{value!r} is not a Zengin character", line=self.line, field=name)
        return value

    def account_type(self, allowed: frozenset[AccountType]) -> AccountType:
        value = self._raw["account_type"]
        if not (value in _ASCII_DIGITS and int(value) in allowed):
            raise ZenginError("zengin.field", f"預金種目 {value!r}", line=self.line, field="account_type")
        return AccountType(int(value))

    def blank(self, name: str = "dummy") -> None:
        if self._raw[name].strip(" "):
            raise ZenginError("zengin.field", "filler must be spaces", line=self.line, field=name)


def _transfer_date(mmdd: str, reference: date, line: int) -> date:
    month, day = int(mmdd[:2]), int(mmdd[2:])
    candidates = []
    for year in (reference.year - 1, reference.year, reference.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        raise ZenginError(
            "zengin.field", f"{mmdd} is not a date near {reference.isoformat()}", line=line, field="transfer_date"
        )
    return min(candidates, key=lambda candidate: abs((candidate - reference).days))


def _read_header(fields: _Fields, reference: date) -> Header:
    fields.flag("kind", _KINDS)
    if fields.raw("code_division") != "0":
        raise ZenginError(
            "zengin.encoding", "only コード区分 0 (JIS) is supported", line=fields.line, field="code_division"
        )
    fields.blank()
    return Header(
        requester_code=fields.digits("requester_code"),
        requester_name=fields.text("requester_name", required=True),
        transfer_date=_transfer_date(fields.digits("transfer_date"), reference, fields.line),
        bank_code=fields.digits("bank_code"),
        bank_name=fields.text("bank_name"),
        branch_code=fields.digits("branch_code"),
        branch_name=fields.text("branch_name"),
        account_type=fields.account_type(_HEADER_ACCOUNT_TYPES),
        account_number=fields.digits("account_number"),
        kind=fields.raw("kind"),
    )


def _read_transfer(fields: _Fields) -> Transfer:
    fields.blank()
    identification = fields.mark("identification")
    customer_codes = (fields.text("customer_code_1"), fields.text("customer_code_2"))  # checks the characters
    edi = None
    if identification == _EDI_MARK:
        # One 20-character field: the EDI value may run across the boundary between the two customer codes.
        edi = (fields.raw("customer_code_1") + fields.raw("customer_code_2")).rstrip(" ")
        customer_codes = ("", "")
    return Transfer(
        bank_code=fields.digits("bank_code"),
        bank_name=fields.text("bank_name"),
        branch_code=fields.digits("branch_code"),
        branch_name=fields.text("branch_name"),
        account_type=fields.account_type(_DATA_ACCOUNT_TYPES),
        account_number=fields.digits("account_number"),
        holder_name=fields.text("holder_name", required=True),
        amount=fields.amount("amount"),
        customer_code_1=customer_codes[0],
        customer_code_2=customer_codes[1],
        new_code=fields.flag("new_code", _NEW_CODES),
        edi=edi,
        clearing_house_code=fields.digits("clearing_house_code"),
        transfer_category=fields.flag("transfer_category", _TRANSFER_CATEGORIES),
        identification=identification,
    )


_RECORD_NAMES = {b"1": "header", b"2": "data", b"8": "trailer", b"9": "end"}
# Which データ区分 may follow which: header, data…, trailer, end, and nothing after the end record.
_MAY_FOLLOW: dict[bytes | None, tuple[bytes, ...]] = {
    None: (b"1",),
    b"1": (b"2", b"8"),  # a trailer straight after the header is an empty file, refused as such below
    b"2": (b"2", b"8"),
    b"8": (b"9",),
    b"9": (),
}


def _check_order(records: list[bytes]) -> None:
    previous: bytes | None = None
    for line, record in enumerate(records, start=1):
        record_type = record[:1]
        if record_type not in _MAY_FOLLOW[previous]:
            after = f"after the {_RECORD_NAMES[previous]} record" if previous else "at the start"
            raise ZenginError("zengin.record_order", f"データ区分 {record_type!r} {after}", line=line)
        previous = record_type
    if previous != b"9":
        raise ZenginError("zengin.record_order", "the file ends before its end record (データ区分 9)")


def read(data: bytes, *, reference_date: date | None = None) -> TransferFile:
    """Decode one 総合振込 batch, checking layout, record order and the trailer's count and total.

    Records may be separated by CRLF, LF or CR, or not at all; one trailing EOF byte (0x1A) is allowed.
    `reference_date` (default: today in Japan) fixes the year of the MMDD 振込指定日, see the module docstring.
    Structure is checked before content: length, then record order, then the fields record by record.
    """
    if len(data) > MAX_INPUT_BYTES:
        raise ZenginError("zengin.too_large", f"{len(data):,} bytes is over the {MAX_INPUT_BYTES:,}-byte limit")
    reference = reference_date if reference_date is not None else datetime.now(_BANK_TIME_ZONE).date()
    records = _split_records(bytes(data))
    _check_order(records)

    def fields(index: int, layout: tuple[FieldSpec, ...]) -> _Fields:
        return _Fields(layout, _decode(records[index], index + 1), index + 1)

    header = _read_header(fields(0, HEADER_FIELDS), reference)
    transfers = [_read_transfer(fields(index, DATA_FIELDS)) for index in range(1, len(records) - 2)]
    trailer = fields(len(records) - 2, TRAILER_FIELDS)
    if not transfers:
        raise ZenginError("zengin.empty", "the header is followed by no data record", line=trailer.line)
    trailer.blank()
    if trailer.number("count") != len(transfers):
        raise ZenginError(
            "zengin.trailer_mismatch",
            f"trailer counts {trailer.number('count')} transfers, the file has {len(transfers)}",
            line=trailer.line,
            field="count",
        )
    total = sum(transfer.amount for transfer in transfers)
    if trailer.number("total") != total:
        raise ZenginError(
            "zengin.trailer_mismatch",
            f"trailer totals {trailer.number('total')} yen, the transfers add up to {total}",
            line=trailer.line,
            field="total",
        )
    fields(len(records) - 1, END_FIELDS).blank()
    return TransferFile(header=header, transfers=tuple(transfers))
