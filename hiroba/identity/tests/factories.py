"""Residents for tests of other apps, made the way enrollment makes them (without a card)."""

from __future__ import annotations

import secrets

from hiroba.identity.keys import municipality_context, pairwise_id
from hiroba.identity.models import AccountKind, Person, Resident, User


def make_resident(lg_code: str, name: str = "見本 住民") -> Resident:
    user = User.objects.create_user(f"r_{secrets.token_hex(6)}", None, full_name=name, kind=AccountKind.RESIDENT)
    person = Person.objects.create(user=user, birth_year=1980, birth_month=1)
    return Resident.objects.create(
        person=person,
        municipality_id=lg_code,
        key_version=1,
        pairwise_id=pairwise_id(person_id=person.id, context=municipality_context(lg_code)),
    )
