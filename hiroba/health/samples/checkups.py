"""In-memory 特定健診 archives (ix08_V08.xml plus one HL7 CDA R2 file per person under DATA/) and screening CSVs, with
switches for each kind of bad input the importer must refuse. Every person, number and result here is made up."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

FACILITY = "1319900018"  # 特定健診機関番号 (10 digits), fictional
INSURER = "00139998"  # a 国保 保険者番号 (6 digits) zero-padded to 8, fictional
SUBMITTED = date(2024, 7, 1)
TODAY = date(2024, 7, 10)
NAMESPACE_2008 = "http://tokuteikenshin.jp/checkup/2007"
NAMESPACE_V4 = "https://www.mhlw.go.jp/stf/seisakunitsuite/bunya/0000161103.html"

# (JLAC10 17-digit 特定健診項目コード, display name, value, unit): every generated person has these results.
OBSERVATIONS = (
    ("9N001000000000001", "身長", "165.2", "cm"),
    ("9N006000000000001", "体重", "60.1", "kg"),
    ("9N011000000000001", "ＢＭＩ", "22.1", "kg/m2"),
    ("9N016160100000001", "腹囲（実測）", "80.5", "cm"),
    ("9A755000000000001", "収縮期血圧（その他）", "128", "mmHg"),
    ("9A765000000000001", "拡張期血圧（その他）", "78", "mmHg"),
    ("3F015000002327101", "中性脂肪", "110", "mg/dl"),
    ("3F070000002327101", "ＨＤＬコレステロール", "62", "mg/dl"),
    ("3F077000002327101", "ＬＤＬコレステロール", "118", "mg/dl"),
    ("3B090000002327101", "γ－ＧＴ", "24", "U/l"),
    ("3D010000001926101", "空腹時血糖", "94", "mg/dl"),
    ("3D046000001906202", "ＨｂＡ１ｃ（ＮＧＳＰ値）", "5.6", "%"),
)
NAME = "カクウ　ハナコ"
BIRTH = "19600415"
POSTAL_CODE = "999-0001"

Trap = Literal["truncate", "bomb", "external_entity", "padding"]
_BOMB = (
    '<!DOCTYPE ClinicalDocument [\n  <!ENTITY lol0 "lol">\n'
    + "".join(f'  <!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">\n' for level in range(1, 10))
    + "]>\n"
)
_EXTERNAL = '<!DOCTYPE ClinicalDocument [\n  <!ENTITY secret SYSTEM "file:///etc/passwd">\n]>\n'
PADDING_BYTES = 4 * 1024 * 1024  # blank space compresses about 1000x: far past the archive's ratio limit


@dataclass(frozen=True)
class Person:
    """One examinee: the card fields as the 健診機関 wrote them (full-width allowed), the checkup day and report kind.
    `branch=None` leaves 枝番 out, as files from before 枝番 existed do."""

    symbol: str
    number: str
    branch: str | None
    day: date
    report: str = "10"


def _observation(code: str, name: str, value: str, unit: str) -> str:
    return f"""          <entry>
            <observation classCode="OBS" moodCode="EVN">
              <code code="{code}" codeSystem="1.2.392.200119.6.1005" displayName="{name}"/>
              <value xsi:type="PQ" value="{value}" unit="{unit}"/>
            </observation>
          </entry>
"""


def cda_document(person: Person, *, insurer: str = INSURER, trap: Trap | None = None) -> bytes:
    """One person's 特定健診 CDA (hc08), with the header, identifiers and a result section as the spec lays out."""
    ids = [
        ("1.2.392.200119.6.101", insurer),
        ("1.2.392.200119.6.204", person.symbol),
        ("1.2.392.200119.6.205", person.number),
    ]
    if person.branch is not None:
        ids.append(("1.2.392.200119.6.211", person.branch))
    id_lines = "".join(f'      <id extension="{extension}" root="{root}"/>\n' for root, extension in ids)
    doctype = {"bomb": _BOMB, "external_entity": _EXTERNAL}.get(trap or "", "")
    name = {"bomb": "&lol9;", "external_entity": "&secret;"}.get(trap or "", NAME)
    padding = f"<!--{' ' * PADDING_BYTES}-->\n" if trap == "padding" else ""
    entries = "".join(_observation(*item) for item in OBSERVATIONS)
    document = f"""<?xml version="1.0" encoding="UTF-8"?>
{doctype}<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="urn:hl7-org:v3 ../XSD/hc08_V08.xsd">
  <typeId extension="POCD_HD000040" root="2.16.840.1.113883.1.3"/>
  <id nullFlavor="NI"/>
  <!-- 報告区分 -->
  <code code="{person.report}" codeSystem="1.2.392.200119.6.1001"/>
  <!-- ファイル作成日 -->
  <effectiveTime value="{SUBMITTED:%Y%m%d}"/>
  <confidentialityCode code="N" codeSystem="2.16.840.1.113883.5.25"/>
  <recordTarget>
    <patientRole>
{id_lines}      <addr><postalCode>{POSTAL_CODE}</postalCode>架空県架空市本町一丁目１番１号</addr>
      <patient>
        <name>{name}</name>
        <administrativeGenderCode code="2" codeSystem="1.2.392.200119.6.1104"/>
        <birthTime value="{BIRTH}"/>
      </patient>
    </patientRole>
  </recordTarget>
  <author>
    <time value="{SUBMITTED:%Y%m%d}"/>
    <assignedAuthor>
      <id nullFlavor="NI"/>
      <representedOrganization>
        <id extension="{FACILITY}" root="1.2.392.200119.6.102"/>
        <name>架空市健診センター</name>
      </representedOrganization>
    </assignedAuthor>
  </author>
  <custodian>
    <assignedCustodian><representedCustodianOrganization><id nullFlavor="NI"/></representedCustodianOrganization>
    </assignedCustodian>
  </custodian>
  <participant typeCode="HLD">
    <functionCode code="1" codeSystem="1.2.392.200119.6.208"/>
    <associatedEntity classCode="IDENT">
      <scopingOrganization><id extension="{insurer}" root="1.2.392.200119.6.101"/></scopingOrganization>
    </associatedEntity>
  </participant>
  <documentationOf>
    <serviceEvent>
      <code code="010" codeSystem="1.2.392.200119.6.1002"/>
      <!-- 健診実施日 -->
      <effectiveTime value="{person.day:%Y%m%d}"/>
      <performer typeCode="PRF">
        <assignedEntity>
          <id nullFlavor="NI"/>
          <representedOrganization><id extension="{FACILITY}" root="1.2.392.200119.6.102"/></representedOrganization>
        </assignedEntity>
      </performer>
    </serviceEvent>
  </documentationOf>
  <component>
    <structuredBody>
      <component>
        <section>
          <code code="01010" codeSystem="1.2.392.200119.6.1010"/>
          <title>検査・問診結果セクション</title>
          <text/>
{padding}{entries}        </section>
      </component>
    </structuredBody>
  </component>
</ClinicalDocument>
""".encode()
    return document[: len(document) // 2] if trap == "truncate" else document


def index_document(count: int, *, insurer: str = INSURER, namespace: str = NAMESPACE_2008, service: str = "1") -> bytes:
    """ix08_V08.xml (交換用基本情報): from a 健診機関 to an insurer (種別 6)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<index xmlns="{namespace}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="{namespace} ./XSD/ix08_V08.xsd">
  <interactionType code="6"/>
  <creationTime value="{SUBMITTED:%Y%m%d}"/>
  <sender><id root="1.2.392.200119.6.102" extension="{FACILITY}"/></sender>
  <receiver><id root="1.2.392.200119.6.101" extension="{insurer}"/></receiver>
  <serviceEventType code="{service}"/>
  <totalRecordCount value="{count}"/>
</index>
""".encode()


def root_folder(*, insurer: str = INSURER, service: str = "1") -> str:
    """<健診機関番号10>_<保険者番号8>_<提出日YYYYMMDD><同日回数>_<実施区分>"""
    return f"{FACILITY}_{insurer}_{SUBMITTED:%Y%m%d}0_{service}"


def data_name(sequence: int, *, service: str = "1") -> str:
    """DATA/h<機関番号10><YYYYMMDD><回数><種別><連番6>.xml, as the importer names members in its messages."""
    return f"DATA/h{FACILITY}{SUBMITTED:%Y%m%d}0{service}{sequence:06d}.xml"


def tokutei_archive(
    people: Sequence[Person],
    *,
    namespace: str = NAMESPACE_2008,
    service: str = "1",
    record_count: int | None = None,
    flat: bool = False,
    traps: Mapping[int, Trap] | None = None,
    extra: Mapping[str, bytes] | None = None,
) -> bytes:
    """A zipped submission. `traps` spoils the CDA of the person at that position; `record_count` overrides
    totalRecordCount; `extra` adds members under the given names (a traversal name, a second index...)."""
    prefix = "" if flat else root_folder(service=service) + "/"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if prefix:
            archive.writestr(prefix, b"")
        count = len(people) if record_count is None else record_count
        archive.writestr(prefix + "ix08_V08.xml", index_document(count, namespace=namespace, service=service))
        archive.writestr(prefix + "DATA/", b"")
        for position, person in enumerate(people):
            trap = (traps or {}).get(position)
            archive.writestr(prefix + data_name(position + 1, service=service), cda_document(person, trap=trap))
        archive.writestr(prefix + "XSD/ix08_V08.xsd", b'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>\n')
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


SCREENING_HEADER = ("保険者番号", "記号", "番号", "枝番", "氏名", "受診日", "検診種別", "判定")


def screening_csv(
    rows: Sequence[Sequence[str]], *, header: Sequence[str] = SCREENING_HEADER, encoding: str = "utf-8-sig"
) -> bytes:
    """A screening-attendance CSV as a municipal system exports it (CRLF lines, BOM or cp932)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode(encoding)
