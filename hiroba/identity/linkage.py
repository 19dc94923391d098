"""Certificate linkage files: which new certificate replaced which old one (renewal, reissue, phone change).

J-LIS provides this old-serial → new-serial information only to registered verifiers, in a format its non-public
specification defines. This module is the adapter's neutral side: a CSV with the header
`old_issuer_key_id,old_serial,new_issuer_key_id,new_serial` (key identifiers in hex, serials in decimal or 0x-hex).
An operator's converter turns the J-LIS delivery into it. Django-free; the whole file is checked before anything
is applied, so a bad line changes nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass

HEADER = ["old_issuer_key_id", "old_serial", "new_issuer_key_id", "new_serial"]
MAX_ROWS = 1_000_000
MAX_LINE = 400
MAX_KEY_ID_HEX = 128
MAX_SERIAL_BITS = 160  # RFC 5280: positive, at most 20 octets


class LinkageError(ValueError):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class Linkage:
    old_issuer_key_id: str
    old_serial: int
    new_issuer_key_id: str
    new_serial: int


def _key_id(text: str, line: int) -> str:
    value = text.strip().lower().replace(":", "")
    if not value or len(value) > MAX_KEY_ID_HEX or any(c not in "0123456789abcdef" for c in value) or len(value) % 2:
        raise LinkageError(line, f"not a hex key identifier: {text[:40]!r}")
    return value


def _serial(text: str, line: int) -> int:
    value = text.strip().lower()
    try:
        number = int(value, 16) if value.startswith("0x") else int(value, 10)
    except ValueError:
        raise LinkageError(line, f"not a serial number: {text[:40]!r}") from None
    if number <= 0 or number.bit_length() > MAX_SERIAL_BITS:
        raise LinkageError(line, "serial number out of range")
    return number


def read_linkage(lines: Iterable[str]) -> list[Linkage]:
    rows: list[Linkage] = []
    reader = csv.reader(line for line in lines if len(line) <= MAX_LINE or _too_long(line))
    for number, record in enumerate(reader, start=1):
        if number == 1:
            if [c.strip() for c in record] != HEADER:
                raise LinkageError(1, f"header must be {','.join(HEADER)}")
            continue
        if not record:
            continue
        if len(record) != len(HEADER):
            raise LinkageError(number, f"expected {len(HEADER)} fields, found {len(record)}")
        if len(rows) >= MAX_ROWS:
            raise LinkageError(number, f"more than {MAX_ROWS} rows")
        rows.append(
            Linkage(
                _key_id(record[0], number),
                _serial(record[1], number),
                _key_id(record[2], number),
                _serial(record[3], number),
            )
        )
    if not rows:
        raise LinkageError(1, "no rows")
    return rows


def _too_long(line: str) -> bool:
    raise LinkageError(0, f"a line is longer than {MAX_LINE} characters")
