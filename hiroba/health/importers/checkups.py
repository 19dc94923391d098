"""特定健診 archives and cancer-screening CSVs, reduced to checkup events: who (a keyed hash), when, and what kind.

Checkup results are 要配慮個人情報 under APPI. The readers look only at the patient's insurance identifiers, the
checkup date and the report type; observation values pass through the XML parser and are cleared unread. Each reader
validates the whole file before it returns, so a refused file stores nothing.

The person is matched by `member_key`, an HMAC of 保険者番号, 記号, 番号 and 枝番: the municipality's insurance section
uploads the same four fields for its residents, keyed with the same secret, and only the hashes are compared.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import hmac
import io
import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO, Literal

from lxml import etree

from hiroba.health.importers.base import ImportRefused
from hiroba.health.importers.safezip import open_archive, open_member

CheckupKind = Literal["tokutei", "gastric", "lung", "colorectal", "breast", "cervical"]

# Identifiers and codes of the MHLW 特定健診・特定保健指導の電子的な標準様式 (OID表, XML健診コード表).
OID_INSURER = "1.2.392.200119.6.101"  # 保険者番号: 8 digits; shorter numbers (国保: 6) are zero-padded to 8
OID_SYMBOL = "1.2.392.200119.6.204"  # 被保険者証等記号: absent on cards that have none
OID_NUMBER = "1.2.392.200119.6.205"  # 被保険者証等番号
OID_BRANCH = "1.2.392.200119.6.211"  # 被保険者証等枝番 (2 digits): tells apart family members sharing one number
OID_REPORT_KIND = "1.2.392.200119.6.1001"  # 報告区分 of the CDA document's <code>
REPORT_TOKUTEI = "10"  # 報告区分 10 = 特定健診情報 (19 is a deletion request, 2x guidance, 4x other checkups)
SERVICE_TOKUTEI = "1"  # ix08 serviceEventType = 実施区分 (OID 1.2.392.200119.6.1103): 1 = 特定健診情報
CDA_TYPE_ID = ("2.16.840.1.113883.1.3", "POCD_HD000040")  # HL7 CDA R2 ClinicalDocument (root, extension)
HL7 = "urn:hl7-org:v3"
# ix08's namespace: the 2008 schemas use the first; exporters of the v4 (2023-03-31) schema set use the second.
INDEX_NAMESPACES = (
    "http://tokuteikenshin.jp/checkup/2007",
    "https://www.mhlw.go.jp/stf/seisakunitsuite/bunya/0000161103.html",
)
INDEX_NAME = "ix08_V08.xml"
EARLIEST_DAY = date(2008, 4, 1)  # 特定健診 began in April 2008; an older date is a typo, and earns nothing anyway

MAX_INDEX_BYTES = 1024 * 1024
MAX_CDA_BYTES = 8 * 1024 * 1024  # one person's CDA is tens of kilobytes
MAX_CSV_BYTES = 16 * 1024 * 1024
MAX_LINE_CHARS = 2_000
MAX_ID_CHARS = 40
_CHUNK = 64 * 1024
_PROLOGUE_CHUNK = 256  # small until the root starts, so a DOCTYPE is refused before any entity is referenced
_ZIP_MAGIC = b"PK\x03\x04"
_KEY_DOMAIN = b"hiroba.health.checkup-member.v1"


@dataclass(frozen=True, slots=True)
class CheckupEvent:
    """A checkup that happened: the member's keyed hash, the day, the kind, and where in the file it was read."""

    member: str
    day: date
    kind: CheckupKind
    where: str


def _clean(value: str) -> str:
    """NFKC (full-width digits and letters become ASCII, half-width kana full-width) without any whitespace."""
    return "".join(unicodedata.normalize("NFKC", value).split())


def _refuse_id(*, ja: str, en: str) -> ImportRefused:
    return ImportRefused("import.member_id", ja=ja, en=en)


def _text_id(value: str, *, required: bool, ja: str, en: str) -> str:
    if (required and not value) or len(value) > MAX_ID_CHARS:
        raise _refuse_id(ja=f"{ja}がないか、長すぎます。", en=f"The {en} is missing or too long.")
    if any(unicodedata.category(char).startswith("C") for char in value):
        raise _refuse_id(ja=f"{ja}に制御文字が含まれています。", en=f"The {en} contains control characters.")
    return value


def member_key(secret: bytes, *, insurer: str, symbol: str, number: str, branch: str) -> str:
    """HMAC-SHA256 (hex) of the four insurance-card fields after normalisation, each length-prefixed.

    Normalisation: NFKC and no whitespace in every field; the insurer number must be 6 or 8 digits and is
    zero-padded to 8 (OID表: 8桁に満たない場合は先頭ゼロ); 枝番 must be 1-2 digits and is zero-padded to 2; 記号 may
    be empty. 番号 keeps its leading zeros. Raises ImportRefused (`import.member_id`, `import.missing_branch`).
    """
    if len(secret) < 16:  # noqa: PLR2004 - a key shorter than 128 bits is a configuration error
        raise ValueError("The member-key secret must be at least 16 bytes.")
    insurer, symbol, number, branch = (_clean(value) for value in (insurer, symbol, number, branch))
    if not re.fullmatch(r"[0-9]{6}|[0-9]{8}", insurer):
        raise _refuse_id(ja="保険者番号は 6 桁か 8 桁の数字です。", en="The insurer number must be 6 or 8 digits.")
    if not branch:
        raise ImportRefused(
            "import.missing_branch",
            ja="被保険者証の枝番がありません。枝番がないと同じ番号の家族を区別できません。",
            en="The insurance card's branch number (枝番) is missing; without it, family members cannot be told apart.",
        )
    if not re.fullmatch(r"[0-9]{1,2}", branch):
        raise _refuse_id(ja="枝番は 1〜2 桁の数字です。", en="The branch number (枝番) must be 1 or 2 digits.")
    fields = (
        insurer.zfill(8),
        _text_id(symbol, required=False, ja="記号", en="card symbol (記号)"),
        _text_id(number, required=True, ja="番号", en="card number (番号)"),
        branch.zfill(2),
    )
    mac = hmac.new(secret, _KEY_DOMAIN, hashlib.sha256)
    for part in fields:
        encoded = part.encode()
        mac.update(len(encoded).to_bytes(4, "big"))
        mac.update(encoded)
    return mac.hexdigest()


def _member_at(secret: bytes, where: str, *, insurer: str, symbol: str, number: str, branch: str) -> str:
    """`member_key`, with the place in the file added to its refusal."""
    try:
        return member_key(secret, insurer=insurer, symbol=symbol, number=number, branch=branch)
    except ImportRefused as error:
        raise ImportRefused(error.code, ja=error.ja, en=error.en, where=where) from None


def _checked_day(day: date, *, today: date, where: str) -> date:
    if day > today:
        raise ImportRefused(
            "import.future_date", ja="受診日が未来の日付です。", en="The checkup date is in the future.", where=where
        )
    if day < EARLIEST_DAY:
        raise ImportRefused(
            "import.bad_date",
            ja="受診日が古すぎます（2008年4月より前）。",
            en="The checkup date is before April 2008.",
            where=where,
        )
    return day


def _wrong_kind(ja: str, en: str, where: str = "") -> ImportRefused:
    return ImportRefused("import.wrong_kind", ja=ja, en=en, where=where)


# --- 特定健診 archives ---------------------------------------------------------------------------------------------


def _refuse_doctype(root: etree._Element, where: str) -> None:
    """No 特定健診 file has a DOCTYPE; one here can only declare entities (a bomb) or fetch something (XXE)."""
    if root.getroottree().docinfo.internalDTD is not None:
        raise ImportRefused(
            "import.xml_doctype",
            ja="XML に DOCTYPE 宣言があります。エンティティや外部参照を含むファイルは受け付けません。",
            en="The XML has a DOCTYPE declaration; files with entities or external references are refused.",
            where=where,
        )


_Path = tuple[str, ...]


def _ends(
    parser: etree.XMLPullParser, path: list[str], where: str, roots: tuple[str, ...]
) -> Iterator[tuple[_Path, etree._Element]]:
    """The parser's pending end events; `path` holds the open elements' tags between calls."""
    for event in parser.read_events():
        element = event[1]
        if not isinstance(element, etree._Element):
            continue
        if event[0] == "start":
            if not path:
                _refuse_doctype(element, where)
                if element.tag not in roots:
                    raise _wrong_kind(
                        "想定した種類の XML ではありません。", "The XML is not of the expected kind.", where
                    )
            path.append(element.tag)
            continue
        yield (*path,), element
        path.pop()
        element.clear()
        parent = element.getparent()
        while parent is not None and element.getprevious() is not None:
            del parent[0]


def _scan(
    archive: zipfile.ZipFile, name: str, *, where: str, roots: tuple[str, ...], limit: int
) -> Iterator[tuple[_Path, etree._Element]]:
    """The end events of member `name` (`where` in messages): the tags from the root down, and the element that ends.

    Each element is cleared once the caller moves on, so only the current element's ancestors stay in memory. The
    parser expands no entity, loads no DTD and opens no network connection; a DOCTYPE is refused at the root.
    """
    parser = etree.XMLPullParser(
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    path: list[str] = []
    try:
        with open_member(archive, name, limit=limit) as stream:
            while chunk := stream.read(_CHUNK if path else _PROLOGUE_CHUNK):
                parser.feed(chunk)
                yield from _ends(parser, path, where, roots)
        parser.close()
        yield from _ends(parser, path, where, roots)
    except etree.XMLSyntaxError as error:
        raise ImportRefused(
            "import.bad_xml",
            ja=f"XML として読めません（{error.lineno} 行目）。途中で切れているか、形式が壊れています。",
            en=f"The XML is truncated or malformed (line {error.lineno}).",
            where=where,
        ) from None


def _hl7(*names: str) -> _Path:
    return tuple(f"{{{HL7}}}{name}" for name in names)


_CDA_ROOT = _hl7("ClinicalDocument")
_CDA_TYPE_ID = _hl7("ClinicalDocument", "typeId")
_CDA_REPORT_KIND = _hl7("ClinicalDocument", "code")
_CDA_PATIENT_ID = _hl7("ClinicalDocument", "recordTarget", "patientRole", "id")
_CDA_CHECKUP_DAY = _hl7("ClinicalDocument", "documentationOf", "serviceEvent", "effectiveTime")  # 健診実施日
_INDEX_ROOTS = tuple(f"{{{namespace}}}index" for namespace in INDEX_NAMESPACES)


def _read_index(archive: zipfile.ZipFile, name: str) -> int:
    """ix08's totalRecordCount, after checking that the archive holds 特定健診 results (実施区分 1)."""
    service: str | None = None
    total: str | None = None
    for path, element in _scan(archive, name, where=INDEX_NAME, roots=_INDEX_ROOTS, limit=MAX_INDEX_BYTES):
        if len(path) != 2:  # noqa: PLR2004 - the two fields are children of the root
            continue
        namespace = etree.QName(path[0]).namespace
        if element.tag == f"{{{namespace}}}serviceEventType":
            service = element.get("code")
        elif element.tag == f"{{{namespace}}}totalRecordCount":
            total = element.get("value")
    if service != SERVICE_TOKUTEI:
        raise _wrong_kind(
            f"特定健診情報のアーカイブではありません（実施区分 {service or 'なし'}）。",
            f"The archive does not hold 特定健診 results (serviceEventType {service or 'missing'}).",
            INDEX_NAME,
        )
    if total is None or not re.fullmatch(r"[0-9]{1,6}", total):
        raise ImportRefused(
            "import.bad_index",
            ja="交換用基本情報ファイルに総ファイル数（totalRecordCount）がありません。",
            en="The index file has no valid totalRecordCount.",
            where=INDEX_NAME,
        )
    return int(total)


@dataclass(slots=True)
class _Header:
    """What one CDA's header says about the checkup; observation values are never collected."""

    type_id: tuple[str | None, str | None] | None = None
    report: str | None = None
    day: str | None = None
    ids: dict[str, str] = field(default_factory=dict)

    def add_id(self, root: str | None, extension: str | None, where: str) -> None:
        if root not in {OID_INSURER, OID_SYMBOL, OID_NUMBER, OID_BRANCH} or extension is None:
            return
        if self.ids.setdefault(root, extension) != extension:
            raise ImportRefused(
                "import.duplicate_id",
                ja="受診者の識別番号が、食い違う値で二重に書かれています。",
                en="The patient's identifiers appear twice with different values.",
                where=where,
            )


def _read_header(archive: zipfile.ZipFile, name: str, where: str) -> _Header:
    header = _Header()
    for path, element in _scan(archive, name, where=where, roots=_CDA_ROOT, limit=MAX_CDA_BYTES):
        if path == _CDA_TYPE_ID:
            header.type_id = (element.get("root"), element.get("extension"))
        elif path == _CDA_REPORT_KIND and element.get("codeSystem") == OID_REPORT_KIND:
            header.report = element.get("code")
        elif path == _CDA_PATIENT_ID:
            header.add_id(element.get("root"), element.get("extension"), where)
        elif path == _CDA_CHECKUP_DAY:
            header.day = element.get("value")
    return header


def _read_cda(archive: zipfile.ZipFile, name: str, *, where: str, secret: bytes, today: date) -> CheckupEvent:
    header = _read_header(archive, name, where)
    if header.type_id != CDA_TYPE_ID:
        raise _wrong_kind("HL7 CDA R2 の文書ではありません。", "The file is not an HL7 CDA R2 document.", where)
    if header.report != REPORT_TOKUTEI:
        raise ImportRefused(
            "import.report_kind",
            ja=f"特定健診情報ではない報告区分（{header.report or 'なし'}）のファイルです。",
            en=f"The file's report kind ({header.report or 'missing'}) is not 特定健診 results (10).",
            where=where,
        )
    ids = header.ids
    if OID_INSURER not in ids or OID_NUMBER not in ids:
        raise ImportRefused(
            "import.missing_id",
            ja="受診者の保険者番号または被保険者証番号がありません。",
            en="The patient's insurer number or card number is missing.",
            where=where,
        )
    member = _member_at(
        secret,
        where,
        insurer=ids[OID_INSURER],
        symbol=ids.get(OID_SYMBOL, ""),
        number=ids[OID_NUMBER],
        branch=ids.get(OID_BRANCH, ""),
    )
    return CheckupEvent(member=member, day=_cda_day(header.day, today=today, where=where), kind="tokutei", where=where)


def _cda_day(value: str | None, *, today: date, where: str) -> date:
    day: date | None = None
    if value is not None and re.fullmatch(r"[0-9]{8}", value):
        with contextlib.suppress(ValueError):
            day = date(int(value[:4]), int(value[4:6]), int(value[6:]))
    if day is None:
        raise ImportRefused(
            "import.bad_date",
            ja="健診実施日がないか、YYYYMMDD の形ではありません。",
            en="The checkup date is missing or not in YYYYMMDD form.",
            where=where,
        )
    return _checked_day(day, today=today, where=where)


def _locate_index(names: list[str]) -> str:
    """ix08_V08.xml at the top or inside the one root folder (<機関番号>_<保険者番号>_<提出日><回数>_<実施区分>)."""
    found = [name for name in names if posixpath.basename(name) == INDEX_NAME and name.count("/") <= 1]
    if not found:
        raise _wrong_kind(
            f"特定健診のアーカイブではありません（{INDEX_NAME} がありません）。",
            f"The archive is not a 特定健診 archive: it has no {INDEX_NAME}.",
        )
    if len(found) > 1:
        raise ImportRefused(
            "import.archive_layout",
            ja=f"{INDEX_NAME} が複数あります。1 回の送付分ずつ取り込んでください。",
            en=f"The archive holds several {INDEX_NAME}; import one submission at a time.",
            where=", ".join(sorted(found)),
        )
    return found[0]


def read_tokutei_archive(stream: BinaryIO, *, secret: bytes, today: date) -> list[CheckupEvent]:
    """One event per person's CDA under DATA/, after the whole archive has been checked.

    Members are named from inside the root folder (`DATA/h….xml`): the folder's name carries the insurer number.
    """
    with open_archive(stream) as archive:
        names = [info.filename for info in archive.infolist() if not info.is_dir()]
        index = _locate_index(names)
        root = index.removesuffix(INDEX_NAME)
        members = sorted(
            name[len(root) :]
            for name in names
            if name.startswith(root) and re.fullmatch(r"DATA/[^/]+\.xml", name[len(root) :], flags=re.IGNORECASE)
        )
        expected = _read_index(archive, index)
        if expected != len(members):
            raise ImportRefused(
                "import.record_count",
                ja=f"総ファイル数 {expected} 件に対し、DATA フォルダのファイルは {len(members)} 件です。",
                en=f"The index announces {expected} records but DATA holds {len(members)} files.",
                where=INDEX_NAME,
            )
        return [_read_cda(archive, root + name, where=name, secret=secret, today=today) for name in members]


# --- Cancer-screening CSV -----------------------------------------------------------------------------------------

_COLUMNS: dict[str, tuple[str, ...]] = {  # the first name of each is the one messages use
    "insurer": ("保険者番号",),
    "symbol": ("記号", "被保険者証記号", "被保険者証等記号"),
    "number": ("番号", "被保険者証番号", "被保険者証等番号"),
    "branch": ("枝番", "被保険者証枝番", "被保険者証等枝番"),
    "day": ("受診日", "検診日"),
    "kind": ("検診種別",),
}
_SCREENING_KINDS: dict[str, CheckupKind] = {
    "胃": "gastric",
    "肺": "lung",
    "大腸": "colorectal",
    "乳": "breast",
    "子宮頸": "cervical",
    "gastric": "gastric",
    "lung": "lung",
    "colorectal": "colorectal",
    "breast": "breast",
    "cervical": "cervical",
}
_KIND_SUFFIXES = ("がん検診", "癌検診", "検診", "がん", "癌")  # 胃がん検診, 胃がん and 胃 all mean gastric
_CSV_DAY = re.compile(r"([0-9]{4})([-/])([0-9]{1,2})\2([0-9]{1,2})")


def _decode(data: bytes) -> str:
    """UTF-8 with or without a BOM; failing that, Shift_JIS as Windows writes it (cp932)."""
    with contextlib.suppress(UnicodeDecodeError):
        return data.decode("utf-8-sig")
    try:
        return data.decode("cp932")
    except UnicodeDecodeError:
        raise ImportRefused(
            "import.encoding",
            ja="文字コードが UTF-8 でも Shift_JIS でもありません。",
            en="The file is neither UTF-8 nor Shift_JIS text.",
        ) from None


def _columns(header: list[str], where: str = "line 1") -> dict[str, int]:
    """Column positions by header name (NFKC, spaces ignored); other columns are never read."""
    cells = [_clean(cell) for cell in header]
    columns: dict[str, int] = {}
    missing: list[str] = []
    for key, names in _COLUMNS.items():
        found = [position for position, cell in enumerate(cells) if cell in names]
        if len(found) > 1:
            raise ImportRefused(
                "import.csv_header",
                ja=f"見出しの「{names[0]}」列が複数あります。",
                en=f"The header names the column {names[0]} more than once.",
                where=where,
            )
        if found:
            columns[key] = found[0]
        else:
            missing.append(names[0])
    if missing:
        raise ImportRefused(
            "import.csv_header",
            ja=f"見出し行に次の列がありません: {'、'.join(missing)}。",
            en=f"The header line lacks these columns: {', '.join(missing)}.",
            where=where,
        )
    return columns


def _screening_text(data: bytes) -> str:
    if len(data) > MAX_CSV_BYTES:
        raise ImportRefused(
            "import.too_large",
            ja=f"ファイルが大きすぎます（上限 {MAX_CSV_BYTES // 1024**2} MB）。",
            en=f"The file is larger than {MAX_CSV_BYTES // 1024**2} MB.",
        )
    if data.startswith(_ZIP_MAGIC) or b"\x00" in data:
        raise _wrong_kind("CSV ファイルではありません。", "The file is not a CSV file.")
    text = _decode(data)
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > MAX_LINE_CHARS:
            raise ImportRefused(
                "import.csv_line",
                ja=f"1 行が長すぎます（上限 {MAX_LINE_CHARS:,} 文字）。",
                en=f"The line is longer than {MAX_LINE_CHARS:,} characters.",
                where=f"line {number}",
            )
    return text


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the number of the line each ends on."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as error:
        raise ImportRefused(
            "import.bad_csv",
            ja="CSV の形式が壊れています（引用符の閉じ忘れ、途中で切れたファイルなど）。",
            en="The CSV is malformed (an unclosed quote or a truncated file, for example).",
            where=f"line {reader.line_num}",
        ) from error


def _csv_day(value: str, *, today: date, where: str) -> date:
    match = _CSV_DAY.fullmatch(_clean(value))
    day: date | None = None
    if match:
        with contextlib.suppress(ValueError):
            day = date(int(match[1]), int(match[3]), int(match[4]))
    if day is None:
        raise ImportRefused(
            "import.bad_date",
            ja="受診日は西暦の YYYY-MM-DD か YYYY/MM/DD で書いてください（和暦は使えません）。",
            en="The checkup date must be a Gregorian date written YYYY-MM-DD or YYYY/MM/DD.",
            where=where,
        )
    return _checked_day(day, today=today, where=where)


def _screening_kind(value: str, where: str) -> CheckupKind:
    name = _clean(value).lower()
    for suffix in _KIND_SUFFIXES:
        if name.endswith(suffix):
            name = name.removesuffix(suffix)
            break
    kind = _SCREENING_KINDS.get(name)
    if kind is None:
        raise ImportRefused(
            "import.screening_kind",
            ja="検診種別は 胃・肺・大腸・乳・子宮頸 のいずれかで書いてください。",
            en="The screening kind must be gastric, lung, colorectal, breast or cervical (胃・肺・大腸・乳・子宮頸).",
            where=where,
        )
    return kind


def read_screening_csv(stream: BinaryIO, *, secret: bytes, today: date) -> list[CheckupEvent]:
    """One event per data line of a cancer-screening attendance CSV, after every line has been checked.

    Columns are found by their header names: 保険者番号, 記号, 番号, 枝番, 受診日 (Gregorian), 検診種別.
    """
    rows = _rows(_screening_text(stream.read(MAX_CSV_BYTES + 1)))
    first = next(rows, None)
    if first is None:
        raise ImportRefused("import.csv_header", ja="ファイルが空です。", en="The file is empty.")
    columns = _columns(first[1], f"line {first[0]}")
    width = max(columns.values()) + 1
    events: list[CheckupEvent] = []
    for line, row in rows:
        where = f"line {line}"
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < width:
            raise ImportRefused(
                "import.csv_row", ja="列が足りません。", en="The line has too few columns.", where=where
            )
        member = _member_at(
            secret,
            where,
            insurer=row[columns["insurer"]],
            symbol=row[columns["symbol"]],
            number=row[columns["number"]],
            branch=row[columns["branch"]],
        )
        day = _csv_day(row[columns["day"]], today=today, where=where)
        events.append(CheckupEvent(member, day, _screening_kind(row[columns["kind"]], where), where))
    return events


def detect_checkup_kind(stream: BinaryIO) -> Literal["tokutei", "screening"]:
    """A zip is a 特定健診 archive; a CSV whose first line names the screening columns is a screening list.

    Reads from the stream's current position and seeks back there, so the stream must be seekable (uploads are).
    """
    start = stream.tell()
    head = stream.read(MAX_LINE_CHARS * 4)  # the longest header line, even in four-byte UTF-8
    stream.seek(start)
    if head.startswith(_ZIP_MAGIC):
        return "tokutei"
    try:
        _columns(next(csv.reader([_decode(head.split(b"\n", 1)[0].rstrip(b"\r"))]), []))
    except (ImportRefused, csv.Error) as error:
        raise ImportRefused(
            "import.unknown_kind",
            ja="健診のファイルとして認識できません。特定健診の zip か、検診受診の CSV を選んでください。",
            en="The file is neither a 特定健診 zip archive nor a screening CSV.",
        ) from error
    return "screening"
