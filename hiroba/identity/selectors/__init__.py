"""Reads for identity. Other apps call only what is re-exported here."""

from hiroba.identity.selectors.accounts import user_exists
from hiroba.identity.selectors.residents import (
    municipality_for_address,
    my_data,
    resident_current,
    resident_list,
)

__all__ = ["municipality_for_address", "my_data", "resident_current", "resident_list", "user_exists"]
