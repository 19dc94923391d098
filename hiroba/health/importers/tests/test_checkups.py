"""特定健診 archives and screening CSVs: events carry only member, day and kind; every kind of bad input is refused."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from datetime import date, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hiroba.health.importers.base import ImportRefused
from hiroba.health.importers.checkups import (
    CheckupEvent,
    detect_checkup_kind,
    member_key,
    read_screening_csv,
    read_tokutei_archive,
)
from hiroba.health.samples import checkups as files
from hiroba.health.samples.checkups import Person

SECRET = b"hiroba-test-member-key-secret-01"
TODAY = files.TODAY

MOTHER = Person(symbol="１２３", number="４５６７", branch="01", day=date(2024, 6, 3))
SON = Person(symbol="１２３", number="４５６７", branch="02", day=date(2024, 6, 10))
NEIGHBOUR = Person(symbol="", number="0089", branch="1", day=date(2024, 5, 20))


def key(symbol: str, number: str, branch: str, insurer: str = files.INSURER) -> str:
    return member_key(SECRET, insurer=insurer, symbol=symbol, number=number, branch=branch)


def tokutei(archive: bytes) -> list[CheckupEvent]:
    return read_tokutei_archive(io.BytesIO(archive), secret=SECRET, today=TODAY)


def screening(data: bytes) -> list[CheckupEvent]:
    return read_screening_csv(io.BytesIO(data), secret=SECRET, today=TODAY)


# --- 特定健診 archives ---------------------------------------------------------------------------------------------


def test_one_event_per_person_with_member_day_and_kind() -> None:
    events = tokutei(files.tokutei_archive([MOTHER, SON, NEIGHBOUR]))

    assert events == [
        CheckupEvent(key("123", "4567", "01"), date(2024, 6, 3), "tokutei", files.data_name(1)),
        CheckupEvent(key("123", "4567", "02"), date(2024, 6, 10), "tokutei", files.data_name(2)),
        CheckupEvent(key("", "0089", "01"), date(2024, 5, 20), "tokutei", files.data_name(3)),
    ]


def test_family_members_on_one_card_get_different_keys_and_width_does_not_matter() -> None:
    mother, son, _ = tokutei(files.tokutei_archive([MOTHER, SON, NEIGHBOUR]))

    assert mother.member != son.member
    # The insurance section's list, typed with full-width digits, spaces and a 6-digit 国保 number, matches.
    assert mother.member == member_key(SECRET, insurer="１３９９９８", symbol="１２３", number=" 4567　", branch="１")


def test_events_hold_no_result_name_or_card_number() -> None:
    events = tokutei(files.tokutei_archive([MOTHER, SON]))

    assert [field.name for field in dataclasses.fields(CheckupEvent)] == ["member", "day", "kind", "where"]
    # Results of three digits or more (HbA1c 5.6, systolic 128...), the name, birth date, address and card fields.
    leaks = [value for _, _, value, _ in files.OBSERVATIONS if "." in value or len(value) > 2]
    leaks += [files.NAME, files.BIRTH, files.POSTAL_CODE, files.INSURER, "4567", "４５６７"]
    assert {"5.6", "128"} <= set(leaks)
    for event in events:
        assert re.fullmatch("[0-9a-f]{64}", event.member)
        text = repr(event).replace(event.member, "<member>")
        assert [leak for leak in leaks if leak in text] == []


def test_flat_archive_with_the_v4_namespace() -> None:
    events = tokutei(files.tokutei_archive([NEIGHBOUR], flat=True, namespace=files.NAMESPACE_V4))

    assert events == [CheckupEvent(key("", "0089", "01"), date(2024, 5, 20), "tokutei", files.data_name(1))]


def test_a_checkup_today_is_accepted() -> None:
    events = tokutei(files.tokutei_archive([dataclasses.replace(MOTHER, day=TODAY)]))

    assert [event.day for event in events] == [TODAY]


def refusal(archive: bytes) -> ImportRefused:
    with pytest.raises(ImportRefused) as caught:
        tokutei(archive)
    assert caught.value.ja
    assert caught.value.en
    return caught.value


@pytest.mark.parametrize(
    ("archive", "code", "where"),
    [
        pytest.param(
            files.tokutei_archive(
                [MOTHER, dataclasses.replace(MOTHER, branch=None), dataclasses.replace(SON, branch=None)]
            ),
            "import.missing_branch",
            files.data_name(2),
            id="family-without-branch-number",
        ),
        pytest.param(
            files.tokutei_archive([MOTHER, SON], traps={1: "truncate"}),
            "import.bad_xml",
            files.data_name(2),
            id="truncated-cda",
        ),
        pytest.param(
            files.tokutei_archive([MOTHER], traps={0: "bomb"}), "import.xml_doctype", files.data_name(1), id="bomb"
        ),
        pytest.param(
            files.tokutei_archive([MOTHER], traps={0: "external_entity"}),
            "import.xml_doctype",
            files.data_name(1),
            id="external-entity",
        ),
        pytest.param(
            files.tokutei_archive([MOTHER, SON], record_count=3), "import.record_count", "ix08_V08.xml", id="count"
        ),
        pytest.param(
            files.tokutei_archive([MOTHER, dataclasses.replace(SON, day=TODAY + timedelta(days=1))]),
            "import.future_date",
            files.data_name(2),
            id="future-date",
        ),
        pytest.param(
            files.tokutei_archive([dataclasses.replace(MOTHER, day=date(2007, 3, 31))]),
            "import.bad_date",
            files.data_name(1),
            id="before-tokutei-began",
        ),
        pytest.param(
            files.tokutei_archive([dataclasses.replace(MOTHER, report="19")]),
            "import.report_kind",
            files.data_name(1),
            id="deletion-request",
        ),
        pytest.param(
            files.tokutei_archive([MOTHER], service="2"),
            "import.wrong_kind",
            "ix08_V08.xml",
            id="guidance-not-checkups",
        ),
        pytest.param(
            files.tokutei_archive([MOTHER], extra={"../../etc/cron.d/evil": b"x"}),
            "import.zip_path",
            "../../etc/cron.d/evil",
            id="path-traversal",
        ),
        pytest.param(
            files.tokutei_archive([MOTHER], extra={"other/ix08_V08.xml": b""}),
            "import.archive_layout",
            f"{files.root_folder()}/ix08_V08.xml, other/ix08_V08.xml",
            id="two-submissions",
        ),
        pytest.param(
            files.tokutei_archive([MOTHER, SON], extra={f"{files.root_folder()}/DATA/h9.xml": b"<note/>"}),
            "import.record_count",
            "ix08_V08.xml",
            id="stray-data-file",
        ),
    ],
)
def test_bad_archives_are_refused_naming_the_member(archive: bytes, code: str, where: str) -> None:
    refused = refusal(archive)

    assert (refused.code, refused.where) == (code, where)


def test_a_cda_of_another_kind_is_refused() -> None:
    archive = files.tokutei_archive(
        [MOTHER], record_count=2, extra={f"{files.root_folder()}/DATA/h0.xml": b"<note>not a CDA</note>"}
    )

    refused = refusal(archive)

    assert (refused.code, refused.where) == ("import.wrong_kind", "DATA/h0.xml")


def test_a_cda_without_identifiers_is_refused() -> None:
    document = files.cda_document(MOTHER).replace(b'root="1.2.392.200119.6.205"', b'root="1.2.392.200119.6.299"')
    archive = files.tokutei_archive([], record_count=1, extra={f"{files.root_folder()}/DATA/h1.xml": document})

    refused = refusal(archive)

    assert (refused.code, refused.where) == ("import.missing_id", "DATA/h1.xml")


def test_an_entity_bomb_in_the_root_attributes_is_refused_without_expansion() -> None:
    document = files.cda_document(MOTHER, trap="bomb").replace(
        b'xsi:schemaLocation="urn:hl7-org:v3 ../XSD/hc08_V08.xsd"', b'xsi:schemaLocation="&lol9;"'
    )
    archive = files.tokutei_archive([], record_count=1, extra={f"{files.root_folder()}/DATA/h1.xml": document})

    refused = refusal(archive)

    assert refused.code in {"import.bad_xml", "import.xml_doctype"}
    assert refused.where == "DATA/h1.xml"


def test_a_huge_expansion_ratio_is_refused() -> None:
    refused = refusal(files.tokutei_archive([MOTHER], traps={0: "padding"}))

    assert refused.code == "import.zip_bomb"
    assert refused.where.endswith(files.data_name(1))


def test_a_truncated_zip_or_another_zip_is_refused() -> None:
    archive = files.tokutei_archive([MOTHER, SON])
    health_export = io.BytesIO()
    with zipfile.ZipFile(health_export, "w") as other:
        other.writestr("apple_health_export/export.xml", "<HealthData/>")

    assert refusal(archive[: len(archive) - 40]).code == "import.bad_zip"
    assert refusal(health_export.getvalue()).code == "import.wrong_kind"
    assert refusal(b"not a zip at all").code == "import.bad_zip"


@pytest.mark.parametrize("offset", [10, 400])
def test_a_damaged_member_is_refused(offset: int) -> None:
    archive = bytearray(files.tokutei_archive([MOTHER]))
    info = zipfile.ZipFile(io.BytesIO(bytes(archive))).getinfo(f"{files.root_folder()}/{files.data_name(1)}")
    data = info.header_offset + 30 + len(info.filename.encode())  # past the local header (no extra field)
    archive[data + offset : data + offset + 8] = bytes(
        byte ^ 0xFF for byte in archive[data + offset : data + offset + 8]
    )

    refused = refusal(bytes(archive))

    assert refused.code == "import.bad_zip"
    assert refused.where.endswith(files.data_name(1))


# --- Screening CSV ------------------------------------------------------------------------------------------------

SCREENING_ROWS = [
    ["139998", "１２３", "４５６７", "1", "架空　花子", "2024-06-03", "胃がん検診", "異常なし"],
    ["00139998", "123", "4567", "02", "架空　太郎", "2024/6/10", "大腸", "要精検"],
    [],
    ["06139998", "", "0089", "01", "架空　次郎", "２０２４／０５／２０", "肺", ""],
    ["00139998", "123", "4567", "01", "架空　花子", "2024-06-03", "乳がん", ""],
    ["00139998", "123", "4567", "01", "架空　花子", "2024-06-03", "Cervical", ""],
]
SCREENING_EVENTS = [
    CheckupEvent(key("123", "4567", "01"), date(2024, 6, 3), "gastric", "line 2"),
    CheckupEvent(key("123", "4567", "02"), date(2024, 6, 10), "colorectal", "line 3"),
    CheckupEvent(key("", "0089", "01", insurer="06139998"), date(2024, 5, 20), "lung", "line 5"),
    CheckupEvent(key("123", "4567", "01"), date(2024, 6, 3), "breast", "line 6"),
    CheckupEvent(key("123", "4567", "01"), date(2024, 6, 3), "cervical", "line 7"),
]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp932"])
def test_screening_csv_golden(encoding: str) -> None:
    assert screening(files.screening_csv(SCREENING_ROWS, encoding=encoding)) == SCREENING_EVENTS


def test_screening_columns_are_found_by_name_in_any_order() -> None:
    header = ("検診種別", "被保険者証等枝番", "受診日", "被保険者証等番号", "被保険者証等記号", "保険者番号")
    rows = [["子宮頸がん検診", "01", "2024-06-03", "4567", "123", "00139998"]]

    assert screening(files.screening_csv(rows, header=header)) == [
        CheckupEvent(key("123", "4567", "01"), date(2024, 6, 3), "cervical", "line 2")
    ]


def screening_refusal(data: bytes) -> ImportRefused:
    with pytest.raises(ImportRefused) as caught:
        screening(data)
    assert caught.value.ja
    assert caught.value.en
    return caught.value


def with_row(row: list[str]) -> bytes:
    return files.screening_csv([SCREENING_ROWS[0], row])


@pytest.mark.parametrize(
    ("data", "code", "where"),
    [
        pytest.param(
            with_row(["00139998", "1", "2", "01", "", "2024-07-11", "胃", ""]), "import.future_date", "line 3"
        ),
        pytest.param(with_row(["00139998", "1", "2", "01", "", "R6.6.3", "胃", ""]), "import.bad_date", "line 3"),
        pytest.param(with_row(["00139998", "1", "2", "01", "", "2024-02-30", "胃", ""]), "import.bad_date", "line 3"),
        pytest.param(
            with_row(["00139998", "1", "2", "01", "", "2024-06-03", "前立腺", ""]), "import.screening_kind", "line 3"
        ),
        pytest.param(
            with_row(["00139998", "1", "2", "", "", "2024-06-03", "胃", ""]), "import.missing_branch", "line 3"
        ),
        pytest.param(with_row(["0013999", "1", "2", "01", "", "2024-06-03", "胃", ""]), "import.member_id", "line 3"),
        pytest.param(with_row(["00139998", "1", "2", "01"]), "import.csv_row", "line 3"),
        pytest.param(
            files.screening_csv([], header=("保険者番号", "記号", "番号", "受診日", "検診種別")),
            "import.csv_header",
            "line 1",
        ),
        pytest.param(files.screening_csv(SCREENING_ROWS[:1]) + b'00139998,1,"2,01', "import.bad_csv", "line 3"),
        pytest.param(
            with_row(["00139998", "1", "2", "01", "x" * 3000, "2024-06-03", "胃", ""]), "import.csv_line", "line 3"
        ),
        pytest.param(files.tokutei_archive([MOTHER]), "import.wrong_kind", ""),
        pytest.param(b"\x81\x20\x81\x20", "import.encoding", ""),
        pytest.param(b"", "import.csv_header", ""),
    ],
)
def test_bad_screening_files_are_refused_naming_the_line(data: bytes, code: str, where: str) -> None:
    refused = screening_refusal(data)

    assert (refused.code, refused.where) == (code, where)


# --- Detecting the kind of file -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (files.tokutei_archive([MOTHER]), "tokutei"),
        (files.screening_csv(SCREENING_ROWS), "screening"),
        (files.screening_csv(SCREENING_ROWS, encoding="cp932"), "screening"),
    ],
)
def test_detect_by_content_and_rewind(data: bytes, kind: str) -> None:
    stream = io.BytesIO(b"junk" + data)
    stream.seek(4)

    assert detect_checkup_kind(stream) == kind
    assert stream.tell() == 4


@pytest.mark.parametrize("data", [b"", b'{"steps": 1}', "氏名,住所\r\n".encode("cp932"), b"<HealthData/>"])
def test_detect_refuses_other_files(data: bytes) -> None:
    with pytest.raises(ImportRefused) as caught:
        detect_checkup_kind(io.BytesIO(data))

    assert caught.value.code == "import.unknown_kind"


# --- member_key ---------------------------------------------------------------------------------------------------


def test_member_key_refuses_what_cannot_be_matched() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        member_key(b"short", insurer="00139998", symbol="1", number="2", branch="01")
    for insurer, number, branch, code in [
        ("1399980", "2", "01", "import.member_id"),
        ("00139998", "", "01", "import.member_id"),
        ("00139998", "2", "", "import.missing_branch"),
        ("00139998", "2", "001", "import.member_id"),
        ("00139998", "2\x00", "01", "import.member_id"),
    ]:
        with pytest.raises(ImportRefused) as caught:
            member_key(SECRET, insurer=insurer, symbol="1", number=number, branch=branch)
        assert caught.value.code == code


_DIGITS = "0123456789"
_CARD = st.text(alphabet=_DIGITS + "アイウエオ東京-", max_size=6)
_NUMBER = st.text(alphabet=_DIGITS + "AB", min_size=1, max_size=8)
_MEMBER = st.tuples(
    st.text(alphabet=_DIGITS, min_size=8, max_size=8),
    _CARD,
    _NUMBER,
    st.text(alphabet=_DIGITS, min_size=2, max_size=2),
)


def _key_of(member: tuple[str, str, str, str]) -> str:
    insurer, symbol, number, branch = member
    return member_key(SECRET, insurer=insurer, symbol=symbol, number=number, branch=branch)


@settings(database=None)
@given(_MEMBER, _MEMBER)
@example(("00139998", "12", "3", "01"), ("00139998", "1", "23", "01"))
@example(("00139998", "", "1234", "01"), ("00139998", "1", "234", "01"))
@example(("00139998", "1", "2", "34"), ("00139998", "12", "3", "04"))
def test_member_key_is_injective_over_normalised_fields(
    first: tuple[str, str, str, str], second: tuple[str, str, str, str]
) -> None:
    assert (_key_of(first) == _key_of(second)) == (first == second)


def _wide(text: str) -> str:
    """The full-width form of ASCII digits, letters and hyphens, as card data is often typed."""
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


@settings(database=None)
@given(_MEMBER, st.sampled_from([" ", "\u3000", ""]))
def test_member_key_is_stable_under_width_and_spaces(member: tuple[str, str, str, str], space: str) -> None:
    insurer, symbol, number, branch = member
    typed = (_wide(insurer), space + _wide(symbol), _wide(number) + space, _wide(branch.lstrip("0") or "0"))

    assert _key_of(typed) == _key_of(member)
    if insurer.startswith("00"):
        assert _key_of((insurer[2:], symbol, number, branch)) == _key_of(member)


@settings(database=None)
@given(st.text(alphabet=_DIGITS + "ア-", min_size=1, max_size=10), st.integers(0, 9), st.integers(0, 9))
def test_moving_the_boundary_between_symbol_and_number_changes_the_key(digits: str, first: int, second: int) -> None:
    cut_first, cut_second = min(first, len(digits) - 1), min(second, len(digits) - 1)
    one = ("00139998", digits[:cut_first], digits[cut_first:], "01")
    two = ("00139998", digits[:cut_second], digits[cut_second:], "01")

    assert (_key_of(one) == _key_of(two)) == (cut_first == cut_second)
