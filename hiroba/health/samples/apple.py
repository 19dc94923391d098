"""Apple Health exports written in memory, in the shape iOS writes them (DTD with ATTLIST only, records with their
own offsets), for tests and for the demo's residents. Every source name and figure is made up."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date

STEPS = "HKQuantityTypeIdentifierStepCount"
HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry
  key   CDATA #REQUIRED
  value CDATA #REQUIRED
>
]>
<HealthData locale="ja_JP">
 <ExportDate value="2024-02-01 09:00:00 +0900"/>
"""


def record(
    start: str,
    end: str,
    value: object,
    *,
    source: str = "花子のiPhone",
    kind: str = STEPS,
    unit: str = "count",
    children: str = "",
) -> str:
    opening = (
        f'<Record type="{kind}" sourceName="{source}" sourceVersion="17.3" unit="{unit}" '
        f'creationDate="{end}" startDate="{start}" endDate="{end}" value="{value}"'
    )
    return f" {opening}>\n{children} </Record>\n" if children else f" {opening}/>\n"


def export(*records: str) -> io.BytesIO:
    return io.BytesIO((HEAD + "".join(records) + "</HealthData>\n").encode())


def daily_walks(walks: Iterable[tuple[date, str, int]]) -> io.BytesIO:
    """An export with one record per (day, device name, steps), spread over the waking hours of the day (JST)."""
    return export(
        *(
            record(f"{day} 08:00:00 +0900", f"{day} 20:00:00 +0900", steps, source=source)
            for day, source, steps in walks
        )
    )
