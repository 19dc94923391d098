"""Reads for identity. Other apps call only what is re-exported here."""

from hiroba.identity.selectors.accounts import user_exists
from hiroba.identity.selectors.residents import (
    consents_active,
    last_sign_ins,
    municipality_for_address,
    my_data,
    resident_current,
    resident_list,
    town_resident,
)

__all__ = [
    "consents_active",
    "last_sign_ins",
    "municipality_for_address",
    "my_data",
    "resident_current",
    "resident_list",
    "town_resident",
    "user_exists",
]
