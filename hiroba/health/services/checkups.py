"""Checkups in: the insurance section's card links, then 特定健診 archives and screening CSVs matched through them.

Only the fact, the kind and the date of a checkup are stored, for residents who consented. Card numbers are
never stored: both the link list and the checkup files are reduced to keyed hashes as they are read.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

from django.db import transaction
from django.utils import timezone

from hiroba.core.audit import Actor, audit_record
from hiroba.core.errors import Invalid
from hiroba.health.events import HealthEvent
from hiroba.health.importers import checkups as reader
from hiroba.health.importers.base import ImportRefused
from hiroba.health.models import CheckupRecord, MemberLink
from hiroba.health.refusals import refused
from hiroba.health.sources import CHECKUPS, consent_purpose
from hiroba.identity.keys import purpose_key
from hiroba.identity.models import Resident, ResidentStatus
from hiroba.identity.selectors import consents_active
from hiroba.tenancy.models import Municipality

MAX_LINK_FILE = 16 * 1024 * 1024
LINK_COLUMNS = ("pairwise_id", "保険者番号", "記号", "番号", "枝番")


def _secret() -> bytes:
    return purpose_key("health:member")


@dataclass(frozen=True)
class CheckupSummary:
    recorded: int
    already: int
    unmatched: int
    no_consent: int

    def line(self) -> str:
        return (
            f"{self.recorded} checkups recorded, {self.already} already known, {self.unmatched} unmatched, "
            f"{self.no_consent} without consent"
        )


def _bad_links(line: int, en: str, ja: str) -> Invalid:
    return Invalid("health.link_file", ja=ja, en=en, detail={"where": f"line {line}"})


@transaction.atomic
def member_links_import(*, municipality: Municipality, upload: BinaryIO, actor: Actor) -> int:
    """The insurance section's CSV (pairwise_id, 保険者番号, 記号, 番号, 枝番): each card becomes a keyed hash linked
    to a resident of `municipality`. All rows or none; returns how many links were made or changed."""
    data = upload.read(MAX_LINK_FILE + 1)
    if len(data) > MAX_LINK_FILE:
        raise Invalid("health.link_file", ja="ファイルが大きすぎます。", en="The file is too large.")
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    except (UnicodeDecodeError, csv.Error) as error:
        raise Invalid("health.link_file", ja="CSV として読めません。", en="The file is not a UTF-8 CSV.") from error
    if not rows or tuple(cell.strip() for cell in rows[0]) != LINK_COLUMNS:
        raise _bad_links(
            1, f"The header must be {','.join(LINK_COLUMNS)}.", f"見出し行は {','.join(LINK_COLUMNS)} です。"
        )
    residents = {
        r.pairwise_id: r
        for r in Resident.objects.filter(municipality=municipality, status=ResidentStatus.ACTIVE).only(
            "pk", "pairwise_id"
        )
    }
    links: dict[str, Resident] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(LINK_COLUMNS):
            raise _bad_links(line, "The row does not have 5 columns.", "列の数が5ではありません。")
        resident = residents.get(row[0].strip())
        if resident is None:
            raise _bad_links(line, "No such resident in this municipality.", "この市区町村の住民ではありません。")
        try:
            key = reader.member_key(_secret(), insurer=row[1], symbol=row[2], number=row[3], branch=row[4])
        except ImportRefused as error:
            raise refused(ImportRefused(error.code, ja=error.ja, en=error.en, where=f"line {line}")) from None
        links[key] = resident
    now = timezone.now()
    MemberLink.objects.bulk_create(  # one upsert: a town's list runs to tens of thousands of cards
        [MemberLink(municipality=municipality, member_key=k, resident=r, linked_at=now) for k, r in links.items()],
        update_conflicts=True,
        unique_fields=["municipality", "member_key"],
        update_fields=["resident", "linked_at"],
    )
    audit_record(
        tag=HealthEvent.MEMBERS_LINKED,
        actor=actor,
        subject=f"municipality:{municipality.lg_code}",
        data={"links": len(links)},
        municipality=municipality.lg_code,
    )
    return len(links)


def checkups_import(
    *, municipality: Municipality, upload: BinaryIO, actor: Actor, today: date | None = None
) -> CheckupSummary:
    """A 特定健診 archive or a screening CSV (kind found from the content). Checkups of people with no link, or
    who have not consented, are counted and dropped: nothing of them is stored."""
    today = today or timezone.localdate()
    try:
        kind = reader.detect_checkup_kind(upload)
        read = reader.read_tokutei_archive if kind == "tokutei" else reader.read_screening_csv
        events = read(upload, secret=_secret(), today=today)
    except ImportRefused as error:
        raise refused(error) from None
    return _record(municipality, events, actor)


@transaction.atomic
def _record(municipality: Municipality, events: list[reader.CheckupEvent], actor: Actor) -> CheckupSummary:
    linked = dict(
        MemberLink.objects.filter(municipality=municipality, member_key__in={e.member for e in events}).values_list(
            "member_key", "resident_id"
        )
    )
    consenting = {
        resident_id
        for resident_id, _ in consents_active(resident_ids=list(set(linked.values())), prefix=consent_purpose(CHECKUPS))
    }
    unmatched = sum(1 for e in events if e.member not in linked)
    refused_ = sum(1 for e in events if e.member in linked and linked[e.member] not in consenting)
    wanted: set[tuple[int, str, date]] = {
        (linked[e.member], e.kind, e.day) for e in events if linked.get(e.member) in consenting
    }
    residents = {r for r, _, _ in wanted}
    known = set(CheckupRecord.objects.filter(resident_id__in=residents).values_list("resident_id", "kind", "day"))
    new = sorted(wanted - known)
    now = timezone.now()
    # ignore_conflicts: an import of the same file running at the same moment has recorded the same checkups
    CheckupRecord.objects.bulk_create(
        [CheckupRecord(resident_id=r, kind=k, day=d, imported_at=now) for r, k, d in new], ignore_conflicts=True
    )
    summary = CheckupSummary(len(new), len(wanted) - len(new), unmatched, refused_)
    audit_record(
        tag=HealthEvent.CHECKUPS_IMPORTED,
        actor=actor,
        subject=f"municipality:{municipality.lg_code}",
        data={"recorded": summary.recorded, "already": summary.already, "unmatched": unmatched, "no_consent": refused_},
        municipality=municipality.lg_code,
    )
    return summary
