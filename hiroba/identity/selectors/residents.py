"""Reads about residents. Municipal staff see only their own town's residents, and only pairwise IDs."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Max, QuerySet

from hiroba.core.bulk import columns_of, instance_from, width_of
from hiroba.core.errors import NotFound
from hiroba.identity.models import Consent, CredentialBinding, Person, Resident, ResidentStatus, User
from hiroba.tenancy.models import CurrencyArea, Municipality


def normalise_name(name: str) -> str:
    """NFKC and no spaces: the card may write a name with full-width or half-width spaces between parts."""
    return "".join(unicodedata.normalize("NFKC", name).split())


# A county (郡) stands between the prefecture and a town or village: 長野県北佐久郡御代田町….
COUNTY = re.compile(r"^[^市区町村郡]{1,8}郡")


def municipality_for_address(address: str) -> Municipality | None:
    """The municipality named at the start of the address, after its prefecture (and county, for towns and
    villages): the card's address reads 都道府県 (+ 郡) + 市区町村 + ….

    The longest name wins, so that a similarly prefixed shorter name cannot shadow the right one.
    """
    text = normalise_name(address)
    best: Municipality | None = None
    for municipality in Municipality.objects.all():
        prefecture = normalise_name(municipality.prefecture.name)
        if not text.startswith(prefecture):
            continue
        rest = text.removeprefix(prefecture)
        name = normalise_name(municipality.name)
        if (rest.startswith(name) or COUNTY.sub("", rest, count=1).startswith(name)) and (
            best is None or len(municipality.name) > len(best.name)
        ):
            best = municipality
    return best


@dataclass(frozen=True)
class ResidentRow:
    pairwise_id: str
    display_name: str
    birth_year_month: str
    status: str
    since: datetime


def resident_list(*, lg_code: str, include_ended: bool = False) -> list[ResidentRow]:
    """Residents of one municipality by pairwise ID (for operators and scripts; never the person ID)."""
    rows: QuerySet[Resident] = Resident.objects.filter(municipality_id=lg_code).select_related("person__user")
    if not include_ended:
        rows = rows.filter(status=ResidentStatus.ACTIVE)
    return [
        ResidentRow(
            pairwise_id=r.pairwise_id,
            display_name=r.person.user.full_name if r.person else "",
            birth_year_month=f"{r.person.birth_year:04d}-{r.person.birth_month:02d}" if r.person else "",
            status=r.status,
            since=r.created_at,
        )
        for r in rows.order_by("pairwise_id")
    ]


def resident_current(*, user: User) -> Resident | None:
    """The signed-in resident's residency in their current municipality (with its municipality and currency area).

    Every resident request asks this first: plain SQL, because composing the ORM's query cost ten times running it
    (bench/api.py). At most one residency per person is active (a database constraint)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns_of(Resident, 'r')}, {columns_of(Municipality, 'm')}, {columns_of(CurrencyArea, 'a')} "  # noqa: S608
            "FROM identity_resident r JOIN identity_person p ON p.id = r.person_id "
            "JOIN tenancy_municipality m ON m.lg_code = r.municipality_id "
            "LEFT JOIN tenancy_currencyarea a ON a.id = m.currency_area_id "
            "WHERE p.user_id = %s AND r.status = %s",
            [user.pk, ResidentStatus.ACTIVE.value],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    resident_end = width_of(Resident)
    municipality_end = resident_end + width_of(Municipality)
    resident = instance_from(Resident, row[:resident_end])
    municipality = instance_from(Municipality, row[resident_end:municipality_end])
    municipality.currency_area = (
        instance_from(CurrencyArea, row[municipality_end:]) if municipality.currency_area_id is not None else None
    )
    resident.municipality = municipality
    return resident


def person_for_user(*, user: User) -> Person | None:
    return Person.objects.filter(user=user).first()


def binding_by_lookup(*, lookup: str) -> CredentialBinding | None:
    return CredentialBinding.objects.select_related("person__user").filter(lookup=lookup).first()


@dataclass(frozen=True)
class MyData:
    """Everything Hiroba keeps about a resident, as the "my data" page shows it."""

    display_name: str
    birth_year: int
    birth_month: int
    municipality: Municipality | None
    pairwise_id: str | None
    credentials: list[CredentialBinding]
    consents: list[tuple[str, str, datetime, datetime | None]]  # purpose, notice version, granted, withdrawn
    residencies: list[Resident]


def my_data(*, user: User) -> MyData | None:
    person = person_for_user(user=user)
    if person is None:
        return None
    residencies = list(person.residencies.select_related("municipality").order_by("created_at"))
    current = next((r for r in residencies if r.status == ResidentStatus.ACTIVE), None)
    consents = [
        (c.purpose, c.notice_version, c.granted_at, c.withdrawn_at) for r in residencies for c in r.consents.all()
    ]
    return MyData(
        display_name=user.full_name,
        birth_year=person.birth_year,
        birth_month=person.birth_month,
        municipality=current.municipality if current else None,
        pairwise_id=current.pairwise_id if current else None,
        credentials=list(person.credentials.all()),
        consents=consents,
        residencies=residencies,
    )


def consents_active(*, resident_ids: list[int], prefix: str) -> set[tuple[int, str]]:
    """(resident id, purpose) of the active consents whose purpose starts with `prefix`."""
    rows = Consent.objects.filter(
        resident_id__in=resident_ids, purpose__startswith=prefix, withdrawn_at__isnull=True
    ).values_list("resident_id", "purpose")
    return set(rows)


def town_resident(*, lg_code: str, pairwise_id: str) -> Resident:
    """An active resident of the town, found by the pairwise ID the town knows them by (counter work, commands)."""
    resident = (
        Resident.objects.filter(pairwise_id=pairwise_id.strip(), municipality_id=lg_code, status=ResidentStatus.ACTIVE)
        .select_related("municipality")
        .first()
    )
    if resident is None:
        raise NotFound(
            "identity.resident_unknown", ja="この市区町村の住民が見つかりません。", en="No such resident here."
        )
    return resident


def last_sign_ins(*, residents: list[Resident]) -> dict[int, datetime]:
    """When each resident's person last signed in with any credential (residents never seen are left out)."""
    people = {r.person_id: r.pk for r in residents if r.person_id is not None}
    rows = (
        CredentialBinding.objects.filter(person_id__in=list(people), last_used_at__isnull=False)
        .values("person_id")
        .annotate(last=Max("last_used_at"))
    )
    return {people[row["person_id"]]: row["last"] for row in rows}
