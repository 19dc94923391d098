"""全銀 総合振込 files: golden sample, round-trip properties and every refusal.

The golden sample and its expected decode come from zengin4j (Apache-2.0, invented test data); they live
in the shared samples directory with their NOTICE and provenance (`../shared/samples/PROVENANCE.md`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hiroba.wallet.formats.tests import SHARED_SAMPLES
from hiroba.wallet.formats.zengin import (
    DATA_FIELDS,
    END_FIELDS,
    HEADER_FIELDS,
    MAX_INPUT_BYTES,
    TRAILER_FIELDS,
    ZENGIN_CHARACTERS,
    AccountType,
    FieldSpec,
    Header,
    Transfer,
    TransferFile,
    ZenginError,
    read,
    to_halfwidth_kana,
    write,
)

SAMPLES = SHARED_SAMPLES / "zengin"
SAMPLE = SAMPLES / "zengin4j_sougou-furikomi.txt"
EXPECTED = SAMPLES / "zengin4j_sougou-furikomi.expected.txt"
SAMPLE_SHA256 = "60be5a41dfd3417a103a87550892a17519e7472f519b56ddc58c9a57457cb44f"
EXPECTED_SHA256 = "47ae8750ec11520de9202db19fbdaf340fbfb98d43b8fe9ec5c42cc7890b10ee"
# The sample's header says 0311 and nothing about the year.
REFERENCE = date(2026, 3, 1)


def _sample_bytes(path: Path, sha256: str) -> bytes:
    assert path.is_file(), f"{path} is missing: the shared samples belong at ../shared from the project root"
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == sha256, f"{path} is not the copy PROVENANCE.md describes"
    return data


@pytest.fixture(scope="module")
def sample() -> bytes:
    return _sample_bytes(SAMPLE, SAMPLE_SHA256)


# --- the expected decode ------------------------------------------------------------------------------------

# zengin4j's field names for each record type, mapped to ours.
ZENGIN4J_NAMES = {
    "HEADER": {
        "dataKubun": "record_type",
        "typeCode": "kind",
        "codeKubun": "code_division",
        "originatorCode": "requester_code",
        "originatorName": "requester_name",
        "valueDate": "transfer_date",
        "originBankCode": "bank_code",
        "originBankName": "bank_name",
        "originBranchCode": "branch_code",
        "originBranchName": "branch_name",
        "accountType": "account_type",
        "accountNumber": "account_number",
        "dummy": "dummy",
    },
    "DATA": {
        "dataKubun": "record_type",
        "beneficiaryBankCode": "bank_code",
        "beneficiaryBankName": "bank_name",
        "beneficiaryBranchCode": "branch_code",
        "beneficiaryBranchName": "branch_name",
        "clearingHouseCode": "clearing_house_code",
        "accountType": "account_type",
        "accountNumber": "account_number",
        "beneficiaryName": "holder_name",
        "amount": "amount",
        "newCode": "new_code",
        "customerCode1": "customer_code_1",
        "customerCode2": "customer_code_2",
        "transferCategory": "transfer_category",
        "identification": "identification",
        "dummy": "dummy",
    },
    "TRAILER": {"dataKubun": "record_type", "recordCount": "count", "totalAmount": "total", "dummy": "dummy"},
    "END": {"dataKubun": "record_type", "dummy": "dummy"},
}
LAYOUTS = {"HEADER": HEADER_FIELDS, "DATA": DATA_FIELDS, "TRAILER": TRAILER_FIELDS, "END": END_FIELDS}


@dataclasses.dataclass
class ExpectedRecord:
    number: int
    kind: str
    offset: int  # of the record in the file
    fields: dict[str, tuple[int, int, str]]  # our field name → (offset, width, value)


_META = re.compile(r"^(\w+)\s+(\S.*)$")
_RECORD = re.compile(r"^-- record (\d+) (\w+) @(\d+)$")
_FIELD = re.compile(r"^\s+(\w+)\s+\[(\d+)\+(\d+)\] (.*)$")


def parse_expected(text: str) -> tuple[dict[str, str], list[ExpectedRecord]]:
    """zengin4j's decode: `key value` lines, then per record `-- record N KIND @offset` and its fields."""
    meta: dict[str, str] = {}
    records: list[ExpectedRecord] = []
    for line in text.splitlines():
        if match := _RECORD.match(line):
            records.append(ExpectedRecord(int(match[1]), match[2], int(match[3]), {}))
        elif match := _FIELD.match(line):
            name = ZENGIN4J_NAMES[records[-1].kind][match[1]]
            value = "" if match[4] == "(empty)" else match[4]
            records[-1].fields[name] = (int(match[2]), int(match[3]), value)
        elif match := _META.match(line):
            meta[match[1]] = match[2]
    return meta, records


@pytest.fixture(scope="module")
def expected() -> tuple[dict[str, str], list[ExpectedRecord]]:
    return parse_expected(_sample_bytes(EXPECTED, EXPECTED_SHA256).decode("utf-8"))


def test_the_expected_decode_describes_the_sample(
    sample: bytes, expected: tuple[dict[str, str], list[ExpectedRecord]]
) -> None:
    """Reading the expected file right: every value is the field's bytes, cp932-decoded, spaces trimmed."""
    meta, records = expected
    assert meta["format"] == "sougou-furikomi"
    assert int(meta["records"]) == len(records) == 5
    assert [record.kind for record in records] == ["HEADER", "DATA", "DATA", "TRAILER", "END"]
    for record in records:
        assert record.offset == (record.number - 1) * 121  # 120 bytes and a CR
        for offset, width, value in record.fields.values():
            start = record.offset + offset
            assert sample[start : start + width].decode("cp932").rstrip(" ") == value


def test_our_layout_puts_every_field_where_zengin4j_does(expected: tuple[dict[str, str], list[ExpectedRecord]]) -> None:
    _, records = expected
    for record in records:
        ours = {spec.name: (spec.start, spec.width) for spec in LAYOUTS[record.kind]}
        theirs = {name: (offset, width) for name, (offset, width, _) in record.fields.items()}
        assert ours == theirs, record.kind


def _as_fields(value: Header | Transfer) -> dict[str, str | int]:
    fields: dict[str, str | int] = {
        name: getattr(value, name) for name in (f.name for f in dataclasses.fields(value)) if name != "edi"
    }
    fields["account_type"] = str(int(value.account_type))
    if isinstance(value, Header):
        fields["transfer_date"] = f"{value.transfer_date:%m%d}"
    return fields


def test_reading_the_sample_gives_the_expected_fields(
    sample: bytes, expected: tuple[dict[str, str], list[ExpectedRecord]]
) -> None:
    meta, records = expected
    result = read(sample, reference_date=REFERENCE)
    header, *data, trailer, _end = records
    assert header.kind == "HEADER"
    assert len(data) == len(result.transfers) == 2

    pairs: list[tuple[Header | Transfer, ExpectedRecord]] = [(result.header, header)]
    pairs += zip(result.transfers, data, strict=True)
    for ours, theirs in pairs:
        model = _as_fields(ours)
        for name, (_, _, value) in theirs.fields.items():
            if name in {"record_type", "code_division", "dummy"}:
                continue  # layout constants, checked against the bytes above
            if isinstance(model[name], int):
                assert model[name] == int(value), name
            else:
                assert model[name] == value, name
        assert set(model) <= set(theirs.fields), "a model field zengin4j does not decode"

    assert result.header.transfer_date == date(2026, 3, 11)
    assert result.transfers[0].edi is None  # 識別表示 is ｱ, not Y
    assert result.count == int(trailer.fields["count"][2]) == int(meta["computedCount"]) == 2
    assert result.total == int(trailer.fields["total"][2]) == int(meta["computedTotal"]) == 115015


def test_writing_what_was_read_reproduces_the_sample_bytes(
    sample: bytes, expected: tuple[dict[str, str], list[ExpectedRecord]]
) -> None:
    meta, _ = expected
    assert (meta["separator"], meta["trailingSep"], meta["trailingEofByte"]) == ("CR", "true", "false")
    assert meta["byteOrderMark"] == "false"
    assert write(read(sample, reference_date=REFERENCE), line_ending="\r") == sample


@pytest.mark.parametrize("line_ending", ["\r\n", "\n", ""])
@pytest.mark.parametrize("end_of_file", [False, True])
def test_the_sample_reads_the_same_with_any_separator(sample: bytes, line_ending: str, end_of_file: bool) -> None:
    variant = sample.replace(b"\r", line_ending.encode()) + (b"\x1a" if end_of_file else b"")
    result = read(variant, reference_date=REFERENCE)
    assert result == read(sample, reference_date=REFERENCE)
    assert write(result, line_ending=line_ending, end_of_file=end_of_file) == variant


def test_the_last_separator_is_optional(sample: bytes) -> None:
    assert read(sample[:-1], reference_date=REFERENCE) == read(sample, reference_date=REFERENCE)
    crlf = sample.replace(b"\r", b"\r\n")
    assert read(crlf[:-2] + b"\x1a", reference_date=REFERENCE) == read(sample, reference_date=REFERENCE)


@pytest.mark.parametrize(
    ("reference", "expected_date"),
    [
        (date(2026, 3, 1), date(2026, 3, 11)),
        (date(2026, 9, 1), date(2026, 3, 11)),  # six months on: an old file
        (date(2026, 12, 1), date(2027, 3, 11)),  # nearer to next March
        (date(2027, 1, 5), date(2027, 3, 11)),
    ],
)
def test_the_year_of_the_transfer_date_is_the_nearest(sample: bytes, reference: date, expected_date: date) -> None:
    assert read(sample, reference_date=reference).header.transfer_date == expected_date


def test_without_a_reference_date_today_is_used(sample: bytes) -> None:
    transfer_date = read(sample).header.transfer_date
    assert (transfer_date.month, transfer_date.day) == (3, 11)


# --- a file of our own ---------------------------------------------------------------------------------------

HEADER = Header(
    requester_code="1234567890",
    requester_name="ｻｸｼ ﾁｲｷﾂｳｶ",
    transfer_date=date(2026, 5, 7),
    bank_code="0001",
    bank_name="ﾐｽﾞﾎ",
    branch_code="001",
    branch_name="ﾄｳｷﾖｳ",
    account_type=AccountType.ORDINARY,
    account_number="0012345",
)
TRANSFER = Transfer(
    bank_code="9900",
    bank_name="ﾕｳﾁﾖ",
    branch_code="018",
    branch_name="ｾﾞﾛｲﾁﾊﾁ",
    account_type=AccountType.ORDINARY,
    account_number="1234567",
    holder_name="ｶ)ﾔﾏﾀﾞｼﾖｳﾃﾝ",
    amount=98_500,
    customer_code_1="0000000042",
)
FILE = TransferFile(header=HEADER, transfers=(TRANSFER, dataclasses.replace(TRANSFER, amount=1_500)))


def test_a_written_file_has_the_layout_the_reference_gives() -> None:
    data = write(FILE)
    assert len(data) == 5 * 122
    header, first, _, trailer, end = data.split(b"\r\n")[:5]
    assert header == (
        b"1210" + b"1234567890" + "ｻｸｼ ﾁｲｷﾂｳｶ".encode("cp932").ljust(40) + b"0507" + b"0001"
        + "ﾐｽﾞﾎ".encode("cp932").ljust(15) + b"001" + "ﾄｳｷﾖｳ".encode("cp932").ljust(15) + b"1" + b"0012345"
        + b" " * 17
    )  # fmt: skip
    assert first[:1] == b"2"
    assert first[38:42] == b"0000"  # 手形交換所番号
    assert first[80:90] == b"0000098500"
    assert first[90:113] == b"0" + b"0000000042" + b" " * 10 + b"7" + b" "
    assert trailer == b"8" + b"000002" + b"000000100000" + b" " * 101
    assert end == b"9" + b" " * 119
    assert data == write(dataclasses.replace(FILE)), "equal input, equal bytes"


def test_edi_information_takes_both_customer_codes_and_sets_y() -> None:
    transfer = dataclasses.replace(TRANSFER, customer_code_1="", edi="INV2026-05 0042.01")
    assert transfer.identification == "Y"
    data = write(dataclasses.replace(FILE, transfers=(transfer,)))
    record = data.split(b"\r\n")[1]
    assert record[91:111] == b"INV2026-05 0042.01  "
    assert record[112:113] == b"Y"
    assert read(data, reference_date=HEADER.transfer_date).transfers == (transfer,)


def test_the_end_of_file_byte_follows_the_last_separator() -> None:
    assert write(FILE, end_of_file=True) == write(FILE) + b"\x1a"
    assert write(FILE, line_ending="").count(b"\r") == 0


# --- properties ----------------------------------------------------------------------------------------------

# Names as banks hold them: kana syllables with their voicing marks, a few letters, digits and symbols, spaces.
SYLLABLES = (
    list("ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝ")
    + [kana + "ﾞ" for kana in "ｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾊﾋﾌﾍﾎｳ"]
    + [kana + "ﾟ" for kana in "ﾊﾋﾌﾍﾎ"]
    + list("ABKXYZ0129()-./,")
    + [" "] * 6
)
ZENGIN_ALPHABET = sorted(ZENGIN_CHARACTERS)


def names(width: int, *, required: bool = False) -> st.SearchStrategy[str]:
    """Realistic names, and now and then arbitrary Zengin text (every allowed character, leading spaces)."""
    realistic = st.lists(st.sampled_from(SYLLABLES), max_size=width).map("".join)
    arbitrary = st.text(alphabet=ZENGIN_ALPHABET, max_size=width)
    strategy = (realistic | arbitrary).map(lambda name: name[:width].rstrip(" "))
    if required:
        return strategy.map(lambda name: name or "ｱ")
    return strategy


def digits(width: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=width, max_size=width)


@st.composite
def transfers(draw: st.DrawFn) -> Transfer:
    edi = draw(st.none() | names(20))
    codes = ("", "") if edi is not None else (draw(names(10)), draw(names(10)))
    identification = " " if edi is not None else draw(st.sampled_from(" " * 6 + "ｱ1"))
    return Transfer(
        bank_code=draw(digits(4)),
        bank_name=draw(names(15)),
        branch_code=draw(digits(3)),
        branch_name=draw(names(15)),
        account_type=draw(st.sampled_from(AccountType)),
        account_number=draw(digits(7)),
        holder_name=draw(names(30, required=True)),
        amount=draw(st.integers(min_value=1, max_value=9_999_999_999)),
        customer_code_1=codes[0],
        customer_code_2=codes[1],
        new_code=draw(st.sampled_from("012")),
        edi=edi,
        clearing_house_code=draw(st.sampled_from(["0000"]) | digits(4)),
        transfer_category=draw(st.sampled_from("78")),
        identification=identification,
    )


headers = st.builds(
    Header,
    requester_code=digits(10),
    requester_name=names(40, required=True),
    transfer_date=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    bank_code=digits(4),
    bank_name=names(15),
    branch_code=digits(3),
    branch_name=names(15),
    account_type=st.sampled_from([AccountType.ORDINARY, AccountType.CURRENT, AccountType.OTHER]),
    account_number=digits(7),
)
files = st.builds(TransferFile, header=headers, transfers=st.lists(transfers(), min_size=1, max_size=8).map(tuple))
small_files = st.builds(
    TransferFile, header=headers, transfers=st.lists(transfers(), min_size=1, max_size=2).map(tuple)
)
line_endings = st.sampled_from(["\r\n", "\n", "\r", ""])
# Within half a year of the transfer date the nearest year is the right one (other candidates are ≥ 183 days away).
offsets = st.integers(min_value=-182, max_value=182).map(lambda days: timedelta(days=days))


@given(file=files, line_ending=line_endings, end_of_file=st.booleans(), offset=offsets)
def test_write_then_read_gives_the_file_back(
    file: TransferFile, line_ending: str, end_of_file: bool, offset: timedelta
) -> None:
    data = write(file, line_ending=line_ending, end_of_file=end_of_file)
    assert len(data) == (file.count + 3) * (120 + len(line_ending)) + end_of_file
    assert read(data, reference_date=file.header.transfer_date + offset) == file


@settings(max_examples=300)
@given(file=small_files, line_ending=line_endings, data=st.data())
def test_a_damaged_file_is_refused_or_read_losslessly(
    file: TransferFile, line_ending: str, data: st.DataObject
) -> None:
    """Change one byte: `read` raises ZenginError (nothing else) or gives back a file that writes the same bytes."""
    original = write(file, line_ending=line_ending)
    position = data.draw(st.integers(min_value=0, max_value=len(original) - 1))
    byte = data.draw(st.sampled_from(b"0 1289Y\r\n\x1a\xb1\xdf\x82a") | st.integers(min_value=0, max_value=255))
    damaged = original[:position] + bytes([byte]) + original[position + 1 :]
    try:
        result = read(damaged, reference_date=file.header.transfer_date)
    except ZenginError as error:
        code = error.code
    else:
        code = ""
        assert write(result, line_ending=line_ending) == damaged
    assert code == "" or code.startswith("zengin.")


# --- refusals when writing -----------------------------------------------------------------------------------


def _with(**changes: object) -> TransferFile:
    return dataclasses.replace(FILE, transfers=(dataclasses.replace(TRANSFER, **changes),))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("file", "code", "field"),
    [
        (_with(holder_name="山田"), "zengin.not_katakana", "holder_name"),
        (_with(holder_name="ｼｮｳﾃﾝ"), "zengin.not_katakana", "holder_name"),  # small kana
        (_with(holder_name="yamada"), "zengin.not_katakana", "holder_name"),
        (_with(holder_name="ﾔﾏﾀﾞ "), "zengin.field", "holder_name"),
        (_with(holder_name=""), "zengin.field", "holder_name"),
        (_with(holder_name="ｱ" * 31), "zengin.field", "holder_name"),
        (_with(bank_name="ｱ" * 16), "zengin.field", "bank_name"),
        (_with(amount=0), "zengin.amount", "amount"),
        (_with(amount=-1), "zengin.amount", "amount"),
        (_with(amount=10_000_000_000), "zengin.amount", "amount"),
        (_with(amount=True), "zengin.amount", "amount"),
        (_with(bank_code="001"), "zengin.field", "bank_code"),
        (_with(bank_code="０００１"), "zengin.field", "bank_code"),
        (_with(branch_code="01A"), "zengin.field", "branch_code"),
        (_with(account_number="12345678"), "zengin.field", "account_number"),
        (_with(clearing_house_code=""), "zengin.field", "clearing_house_code"),
        (_with(account_type=3), "zengin.field", "account_type"),
        (_with(new_code="3"), "zengin.field", "new_code"),
        (_with(transfer_category="9"), "zengin.field", "transfer_category"),
        (_with(customer_code_1="ｱ" * 11), "zengin.field", "customer_code_1"),
        (_with(edi="X", customer_code_1="1"), "zengin.field", "edi"),
        (_with(edi="X" * 21, customer_code_1=""), "zengin.field", "edi"),
        (_with(edi="X", customer_code_1="", identification="ｱ"), "zengin.field", "identification"),
        (_with(identification="Y"), "zengin.field", "identification"),
        (_with(identification=""), "zengin.field", "identification"),
        (dataclasses.replace(FILE, header=dataclasses.replace(HEADER, requester_code="123")), "zengin.field", None),
        (dataclasses.replace(FILE, header=dataclasses.replace(HEADER, kind="11")), "zengin.field", "kind"),
        (dataclasses.replace(FILE, header=dataclasses.replace(HEADER, requester_name="")), "zengin.field", None),
        (
            dataclasses.replace(FILE, header=dataclasses.replace(HEADER, account_type=AccountType.SAVINGS)),
            "zengin.field",
            "account_type",
        ),
        (dataclasses.replace(FILE, transfers=()), "zengin.empty", None),
        (
            dataclasses.replace(FILE, transfers=(dataclasses.replace(TRANSFER, amount=9_999_999_999),) * 101),
            "zengin.field",
            "total",
        ),
    ],
)
def test_write_refuses_what_does_not_fit(file: TransferFile, code: str, field: str | None) -> None:
    with pytest.raises(ZenginError) as caught:
        write(file)
    assert caught.value.code == code
    if field is not None:
        assert caught.value.field == field
        assert field in str(caught.value)


def test_write_refuses_an_unknown_line_ending() -> None:
    with pytest.raises(ZenginError) as caught:
        write(FILE, line_ending="\n\r")
    assert caught.value.code == "zengin.line_ending"


# --- refusals when reading -----------------------------------------------------------------------------------


def _records(sample: bytes) -> list[bytes]:
    return sample.split(b"\r")[:-1]


def _join(records: list[bytes]) -> bytes:
    return b"".join(record + b"\r" for record in records)


def _put(record: bytes, start: int, value: bytes) -> bytes:
    return record[:start] + value + record[start + len(value) :]


def _refused(data: bytes) -> ZenginError:
    with pytest.raises(ZenginError) as caught:
        read(data, reference_date=REFERENCE)
    return caught.value


def test_a_short_record_is_refused(sample: bytes) -> None:
    header, *rest = _records(sample)
    error = _refused(_join([header[:-1], *rest]))
    assert (error.code, error.line) == ("zengin.length", 1)
    error = _refused(_join([header, *rest[:2], rest[2] + b" ", rest[3]]))
    assert (error.code, error.line) == ("zengin.length", 4)


def test_fixed_length_input_must_be_whole_records(sample: bytes) -> None:
    fixed = sample.replace(b"\r", b"")
    assert read(fixed, reference_date=REFERENCE).count == 2
    error = _refused(fixed[:-1])
    assert (error.code, error.line) == ("zengin.length", 5)


def test_mixed_separators_are_refused(sample: bytes) -> None:
    mixed = sample.replace(b"\r", b"\r\n", 2)
    assert _refused(mixed).code == "zengin.length"
    assert _refused(sample[:121] + b"\x1a" + sample[121:]).code == "zengin.length"  # EOF inside the file


@pytest.mark.parametrize(
    ("order", "line"),
    [
        ([1, 0, 2, 3, 4], 1),  # data before the header
        ([0, 1, 3, 2, 4], 4),  # a data record after the trailer
        ([0, 1, 2, 4], 4),  # no trailer
        ([0, 1, 2, 3], None),  # no end record
        ([0, 1, 2, 3, 4, 4], 6),  # a record after the end
        ([0, 0, 1, 2, 3, 4], 2),  # a second header
        ([0, 1, 2, 3, 3, 4], 5),  # a second trailer
    ],
)
def test_records_out_of_order_are_refused(sample: bytes, order: list[int], line: int | None) -> None:
    records = _records(sample)
    error = _refused(_join([records[index] for index in order]))
    assert (error.code, error.line) == ("zengin.record_order", line)


def test_an_unknown_record_type_is_refused(sample: bytes) -> None:
    records = _records(sample)
    records[2] = _put(records[2], 0, b"3")
    assert (_refused(_join(records)).code, _refused(_join(records)).line) == ("zengin.record_order", 3)


def test_empty_input_and_a_file_without_transfers_are_refused(sample: bytes) -> None:
    assert _refused(b"").code == "zengin.record_order"
    header, _, _, _, end = _records(sample)
    trailer = b"8" + b"0" * 18 + b" " * 101
    assert _refused(_join([header, trailer, end])).code == "zengin.empty"


@pytest.mark.parametrize(
    ("count", "total", "field"),
    [(b"000003", b"000000115015", "count"), (b"000002", b"000000115016", "total")],
)
def test_a_trailer_that_disagrees_is_refused(sample: bytes, count: bytes, total: bytes, field: str) -> None:
    records = _records(sample)
    records[3] = _put(_put(records[3], 1, count), 7, total)
    error = _refused(_join(records))
    assert (error.code, error.line, error.field) == ("zengin.trailer_mismatch", 4, field)


@pytest.mark.parametrize(
    ("record", "start", "value", "code", "field"),
    [
        (1, 43, b"98O1390", "zengin.field", "account_number"),  # letter O in an N field
        (1, 1, b" 891", "zengin.field", "bank_code"),
        (1, 38, b"96-4", "zengin.field", "clearing_house_code"),
        (0, 4, b"919012900 ", "zengin.field", "requester_code"),
        (3, 1, b"00000A", "zengin.field", "count"),
        (1, 50, b"pa", "zengin.not_katakana", "holder_name"),  # lower case
        (1, 50, "ｼｮ".encode("cp932"), "zengin.not_katakana", "holder_name"),  # small kana
        (1, 50, "･".encode("cp932"), "zengin.not_katakana", "holder_name"),
        (1, 5, b"\t", "zengin.not_katakana", "bank_name"),
        (1, 50, "山田".encode("cp932"), "zengin.encoding", None),  # full-width: two bytes a character
        (1, 50, b"\x80", "zengin.encoding", None),
        (1, 50, b" " * 30, "zengin.field", "holder_name"),  # empty
        (0, 14, b" " * 40, "zengin.field", "requester_name"),
        (1, 42, b"3", "zengin.field", "account_type"),
        (0, 95, b"4", "zengin.field", "account_type"),  # 貯蓄 is for data records only
        (1, 90, b"5", "zengin.field", "new_code"),
        (1, 111, b" ", "zengin.field", "transfer_category"),
        (1, 113, b"X", "zengin.field", "dummy"),
        (3, 119, b"0", "zengin.field", "dummy"),
        (4, 1, b"9", "zengin.field", "dummy"),
        (0, 1, b"11", "zengin.field", "kind"),
        (0, 3, b"1", "zengin.encoding", "code_division"),  # EBCDIC
        (0, 54, b"1332", "zengin.field", "transfer_date"),
        (0, 54, b"0229", "zengin.field", "transfer_date"),  # no 29 February in 2025-2027
    ],
)
def test_a_bad_field_is_refused(
    sample: bytes, record: int, start: int, value: bytes, code: str, field: str | None
) -> None:
    records = _records(sample)
    records[record] = _put(records[record], start, value)
    error = _refused(_join(records))
    assert (error.code, error.line, error.field) == (code, record + 1, field)


def test_a_zero_amount_is_refused_even_when_the_trailer_agrees(sample: bytes) -> None:
    records = _records(sample)
    records[1] = _put(records[1], 80, b"0000000000")
    records[3] = _put(records[3], 7, b"000000060137")
    error = _refused(_join(records))
    assert (error.code, error.line, error.field) == ("zengin.amount", 2, "amount")


def test_input_over_the_limit_is_refused_before_parsing() -> None:
    error = _refused(b" " * (MAX_INPUT_BYTES + 1))
    assert error.code == "zengin.too_large"


# --- half-width kana -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("やまだ　たろう", "ﾔﾏﾀﾞ ﾀﾛｳ"),
        ("ヤマダ タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ"),
        ("ｷｬｯｼｭ", "ｷﾔﾂｼﾕ"),
        ("キャッシュ", "ｷﾔﾂｼﾕ"),
        ("ぁぃぅぇぉゃゅょっ", "ｱｲｳｴｵﾔﾕﾖﾂ"),
        ("ヴァイオリン", "ｳﾞｱｲｵﾘﾝ"),
        ("サービス", "ｻ-ﾋﾞｽ"),
        ("ゐゑヵヶゎ", "ｲｴｶｹﾜ"),
        ("か\u3099", "ｶﾞ"),  # decomposed dakuten
        ("ａｂｃ１２３", "ABC123"),
        ("abc", "ABC"),
        ("（カ）ヤマダ．", "(ｶ)ﾔﾏﾀﾞ."),
        ("ｶﾌﾞｼｷｶﾞｲｼｬ", "ｶﾌﾞｼｷｶﾞｲｼﾔ"),
        ("", ""),
    ],
)
def test_to_halfwidth_kana(text: str, expected: str) -> None:
    assert to_halfwidth_kana(text) == expected


@pytest.mark.parametrize("text", ["山田", "ヤマダ・ショウテン", "A&B", "tab\there", "€", "é", "ｰ\u3000\u2028"])
def test_to_halfwidth_kana_refuses_what_has_no_zengin_form(text: str) -> None:
    with pytest.raises(ZenginError) as caught:
        to_halfwidth_kana(text)
    assert caught.value.code == "zengin.not_katakana"


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"])))
def test_to_halfwidth_kana_gives_zengin_text_or_refuses(text: str) -> None:
    try:
        converted = to_halfwidth_kana(text)
    except ZenginError as error:
        assert error.code == "zengin.not_katakana"  # noqa: PT017 - Hypothesis input: it converts or it is refused
        return
    assert set(converted) <= ZENGIN_CHARACTERS
    assert len(converted.encode("cp932")) == len(converted)
    assert to_halfwidth_kana(converted) == converted


@given(st.text(alphabet="あいうえおかがきぎぱぴゃゅょっアイウエオカガパピャュョッーヴ　ａｚＡＺ０９azAZ09 "))
def test_kana_text_always_converts(text: str) -> None:
    assert set(to_halfwidth_kana(text)) <= ZENGIN_CHARACTERS


def test_field_specs_cover_each_record_exactly() -> None:
    for layout in (HEADER_FIELDS, DATA_FIELDS, TRAILER_FIELDS, END_FIELDS):
        assert layout[0] == FieldSpec("record_type", 0, 1)
        assert all(a.start + a.width == b.start for a, b in itertools.pairwise(layout))
        assert layout[-1].start + layout[-1].width == 120
