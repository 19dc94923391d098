"""Apple Health import speed and memory: `read_apple_health` on a generated export.xml beside a bare lxml loop.

Figures (the issue's targets on a 2-core machine in brackets):
  (a) records/s through `hiroba.health.importers.apple.read_apple_health` [>= 250,000], and its peak RSS [<= 200 MB];
  (b) the floor: the same file through a plain `lxml.etree.iterparse` loop that only counts and clears Records.
The file is written first, streaming, into a temporary directory: Apple's DTD header (ATTLIST only), several sources
(an iPhone and a Watch counting the same walks, typed-in steps marked HKWasUserEntered, a third-party app), step
records among distance, energy and heart-rate records, MetadataEntry children, blood-pressure Correlations, Workouts
and ActivitySummaries. Each reading runs in a fresh interpreter, so that its peak RSS is its own.

`python -m bench.health`. HIROBA_BENCH_HEALTH_MB (default 1100) sets the size of the file in MB.
"""

from __future__ import annotations

import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

SIZE_MB = int(os.environ.get("HIROBA_BENCH_HEALTH_MB", "1100"))
TARGET_RATE = 250_000
TARGET_RSS_MB = 200
BATCH = 20_000  # lines formatted before each write
RUNS = 2  # readings of each kind; the fastest counts (the machine is shared)

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 13 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate
  value CDATA #REQUIRED
>
<!ELEMENT Me EMPTY>
<!ATTLIST Me
  HKCharacteristicTypeIdentifierDateOfBirth         CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBiologicalSex       CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBloodType           CDATA #REQUIRED
  HKCharacteristicTypeIdentifierFitzpatrickSkinType CDATA #REQUIRED
>
<!ELEMENT Record (MetadataEntry*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!-- Note: Any Records that appear as children of a correlation also appear as top-level records in this document. -->
<!ELEMENT Correlation ((MetadataEntry|Record)*)>
<!ATTLIST Correlation
  type          CDATA #REQUIRED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT Workout ((MetadataEntry|WorkoutEvent)*)>
<!ATTLIST Workout
  workoutActivityType   CDATA #REQUIRED
  duration              CDATA #IMPLIED
  durationUnit          CDATA #IMPLIED
  totalDistance         CDATA #IMPLIED
  totalDistanceUnit     CDATA #IMPLIED
  totalEnergyBurned     CDATA #IMPLIED
  totalEnergyBurnedUnit CDATA #IMPLIED
  sourceName            CDATA #REQUIRED
  sourceVersion         CDATA #IMPLIED
  device                CDATA #IMPLIED
  creationDate          CDATA #IMPLIED
  startDate             CDATA #REQUIRED
  endDate               CDATA #REQUIRED
>
<!ELEMENT WorkoutEvent EMPTY>
<!ATTLIST WorkoutEvent
  type CDATA #REQUIRED
  date CDATA #REQUIRED
>
<!ELEMENT ActivitySummary EMPTY>
<!ATTLIST ActivitySummary
  dateComponents           CDATA #IMPLIED
  activeEnergyBurned       CDATA #IMPLIED
  activeEnergyBurnedGoal   CDATA #IMPLIED
  activeEnergyBurnedUnit   CDATA #IMPLIED
  appleExerciseTime        CDATA #IMPLIED
  appleExerciseTimeGoal    CDATA #IMPLIED
  appleStandHours          CDATA #IMPLIED
  appleStandHoursGoal      CDATA #IMPLIED
>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry
  key   CDATA #REQUIRED
  value CDATA #REQUIRED
>
]>
<HealthData locale="ja_JP">
 <ExportDate value="2025-03-31 21:04:10 +0900"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1958-04-02" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale" HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet" HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet"/>
"""  # noqa: E501 (Apple writes the Me element on one line)
FOOTER = "</HealthData>\n"

IPHONE = (
    "花子のiPhone",
    "16.4.1",
    (
        "&lt;&lt;HKDevice: 0x{ptr:x}&gt;, name:iPhone, manufacturer:Apple Inc., model:iPhone, hardware:iPhone14,7, "
        "software:16.4.1&gt;"
    ),
)
WATCH = (
    "花子のApple Watch",
    "9.4",
    (
        "&lt;&lt;HKDevice: 0x{ptr:x}&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,1, "
        "software:9.4&gt;"
    ),
)
MANUAL = ("ヘルスケア", "16.4.1", "")  # typed-in samples carry no device
APP = ("ひろば歩こう会", "3.2", "")  # a third-party walking app
STEPS = "HKQuantityTypeIdentifierStepCount"
USER_ENTERED = '\n  <MetadataEntry key="HKWasUserEntered" value="1"/>\n '
MOTION = '\n  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n '

# What one moment of the day may bring, by share: (share, [(type, unit, who, value range, instant, metadata)]).
# About a third of the Records are step counts, as in the real export `samples/PROVENANCE.md` describes (3,980 of
# 11,101); a Watch adds energy and heart-rate samples around the clock.
Sample = tuple[str, str, tuple[str, str, str], tuple[float, float], bool, str]
MOMENTS: list[tuple[float, list[Sample]]] = [
    (0.22, [(STEPS, "count", IPHONE, (5, 900), False, ""), (STEPS, "count", WATCH, (5, 900), False, "")]),
    (0.004, [(STEPS, "count", MANUAL, (100, 5000), True, USER_ENTERED)]),
    (0.016, [(STEPS, "count", APP, (5, 900), False, "")]),
    (
        0.10,
        [
            ("HKQuantityTypeIdentifierDistanceWalkingRunning", "km", IPHONE, (0.001, 0.6), False, ""),
            ("HKQuantityTypeIdentifierDistanceWalkingRunning", "km", WATCH, (0.001, 0.6), False, ""),
        ],
    ),
    (0.23, [("HKQuantityTypeIdentifierActiveEnergyBurned", "Cal", WATCH, (0.05, 9), False, "")]),
    (0.23, [("HKQuantityTypeIdentifierBasalEnergyBurned", "Cal", WATCH, (0.5, 1.6), False, "")]),
    (0.195, [("HKQuantityTypeIdentifierHeartRate", "count/min", WATCH, (55, 150), True, MOTION)]),
]
BLOOD_PRESSURE = 0.003  # the rest of the moments: a Correlation, or a Workout
RECORD = '{indent}<Record type="{type}" sourceName="{source}" sourceVersion="{version}"{device} unit="{unit}" creationDate="{created}" startDate="{start}" endDate="{end}" value="{value}"'  # noqa: E501


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S %z")


def _record(sample: Sample, rng: random.Random, times: tuple[str, str, str], ptr: int, indent: str = " ") -> str:
    kind, unit, (source, version, device), (low, high), instant, metadata = sample
    start, end, created = times
    value = rng.randint(int(low), int(high)) if unit.startswith("count") else f"{rng.uniform(low, high):.5f}"
    line = RECORD.format(
        indent=indent,
        type=kind,
        source=source,
        version=version,
        device=f' device="{device.format(ptr=ptr)}"' if device else "",
        unit=unit,
        created=created,
        start=start,
        end=start if instant else end,
        value=value,
    )
    return f"{line}>{metadata}</Record>\n" if metadata else f"{line}/>\n"


def _records(rng: random.Random) -> Iterator[tuple[str, int, int]]:
    """Lines of the export body, each with the Records it holds and how many of them are step records."""
    tokyo, los_angeles = timezone(timedelta(hours=9)), timezone(timedelta(hours=-8))
    moment = datetime(2019, 1, 1, 6, 0, tzinfo=tokyo)
    ptr, summarised = 0x280000000, moment.date()
    while True:
        moment += timedelta(seconds=rng.randint(10, 120))
        if moment.date() != summarised:  # the day before is over: its ActivitySummary
            day, summarised = summarised, moment.date()
            yield (
                (
                    f' <ActivitySummary dateComponents="{day}" activeEnergyBurned="412.5" activeEnergyBurnedGoal="400" '
                    'activeEnergyBurnedUnit="Cal" appleExerciseTime="31" appleExerciseTimeGoal="30" '
                    'appleStandHours="11" appleStandHoursGoal="12"/>\n'
                ),
                0,
                0,
            )
        # a fortnight in California each April: the same wall-clock dates, another offset
        here = moment.astimezone(los_angeles if moment.month == 4 and moment.day < 15 else tokyo)
        seconds = rng.randint(30, 600)
        times = (_stamp(here), _stamp(here + timedelta(seconds=seconds)), _stamp(here + timedelta(minutes=20)))
        ptr += 0xA0
        pick = rng.random()
        for share, samples in MOMENTS:
            if pick < share:
                yield (
                    "".join(_record(sample, rng, times, ptr) for sample in samples),
                    len(samples),
                    sum(sample[0] == STEPS for sample in samples),
                )
                break
            pick -= share
        else:
            if pick < BLOOD_PRESSURE:  # two top-level records, repeated inside the Correlation
                start, _, created = times
                pair = [
                    (
                        f"HKQuantityTypeIdentifierBloodPressure{kind}",
                        "mmHg",
                        ("オムロン connect", "7.8", ""),
                        span,
                        True,
                        "",
                    )
                    for kind, span in (("Systolic", (105, 150)), ("Diastolic", (60, 95)))
                ]
                yield (
                    "".join(_record(sample, rng, times, ptr) for sample in pair)
                    + ' <Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="オムロン connect" '
                    f'sourceVersion="7.8" creationDate="{created}" startDate="{start}" endDate="{start}">\n'
                    + '  <MetadataEntry key="HKMetadataKeySyncVersion" value="1"/>\n'
                    + "".join(_record(sample, rng, times, ptr, "  ") for sample in pair)
                    + " </Correlation>\n",
                    4,
                    0,
                )
            else:
                start, end, created = times
                yield (
                    (
                        ' <Workout workoutActivityType="HKWorkoutActivityTypeWalking" duration="32.5" '
                        'durationUnit="min" totalDistance="2.31" totalDistanceUnit="km" totalEnergyBurned="121" '
                        f'totalEnergyBurnedUnit="Cal" sourceName="{WATCH[0]}" sourceVersion="{WATCH[1]}" '
                        f'creationDate="{created}" startDate="{start}" endDate="{end}">\n'
                        '  <MetadataEntry key="HKIndoorWorkout" value="0"/>\n'
                        f'  <WorkoutEvent type="HKWorkoutEventTypePause" date="{start}"/>\n </Workout>\n'
                    ),
                    0,
                    0,
                )


def generate(path: Path, size_mb: int) -> tuple[int, int]:
    """Write an export of about `size_mb` MB to `path`; return how many Records and step Records it holds."""
    rng = random.Random(20250331)  # noqa: S311 (a reproducible workload, not a secret)
    target = size_mb * 1024 * 1024
    records = steps = written = 0
    body = _records(rng)
    with path.open("wb") as out:
        out.write(HEADER.encode())
        while written < target:
            lines = []
            for _ in range(BATCH):
                line, in_line, steps_in_line = next(body)
                lines.append(line)
                records += in_line
                steps += steps_in_line
            written += out.write("".join(lines).encode())
        out.write(FOOTER.encode())
    return records, steps


def _read_with_importer(path: str) -> dict[str, float]:
    from hiroba.health.importers.apple import read_apple_health

    with open(path, "rb") as file:  # noqa: PTH123 (the plainest file object)
        return {"day_totals": sum(1 for _ in read_apple_health(file))}


def _read_floor(path: str) -> dict[str, float]:
    """What any lxml reader pays: every Record parsed into the tree, handed to Python, cleared and dropped."""
    from lxml import etree

    records = 0
    for _event, elem in etree.iterparse(path, events=("end",), tag="Record", resolve_entities=False, no_network=True):
        records += 1
        elem.clear()
        while elem.getprevious() is not None:
            del elem.getparent()[0]
    return {"records": records}


def _peak_rss_mb() -> float:
    """This process's peak resident set. VmHWM rather than ru_maxrss: Linux carries ru_maxrss over exec, so a child
    would report the parent that generated the file."""
    with Path("/proc/self/status").open() as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _child(what: str, path: str) -> None:
    began, cpu = time.perf_counter(), time.process_time()
    result = _read_with_importer(path) if what == "reader" else _read_floor(path)
    result |= {"seconds": time.perf_counter() - began, "cpu": time.process_time() - cpu, "rss": _peak_rss_mb()}
    print(json.dumps(result))


def _best_in_child(what: str, path: Path) -> dict[str, float]:
    """The fastest of RUNS readings, each in a fresh interpreter (so its peak RSS is its own)."""
    runs = []
    for _ in range(RUNS):
        done = subprocess.run(
            [sys.executable, "-m", "bench.health", what, str(path)], check=True, capture_output=True, text=True
        )
        runs.append(json.loads(done.stdout))
    return min(runs, key=lambda run: run["seconds"])


def main() -> None:
    if len(sys.argv) == 3:  # a child: `python -m bench.health reader|floor PATH`
        _child(sys.argv[1], sys.argv[2])
        return
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="hiroba-bench-health-") as folder:
        path = Path(folder) / "export.xml"
        began = time.perf_counter()
        records, steps = generate(path, SIZE_MB)
        size = path.stat().st_size / 1024**2
        print(
            f"generated export.xml: {size:,.0f} MB, {records:,} Records ({steps:,} step records, "
            f"{size * 1024**2 / records:.0f} bytes a Record) in {time.perf_counter() - began:.0f} s"
        )
        floor = _best_in_child("floor", path)
        reader = _best_in_child("reader", path)
    assert floor["records"] == records, (floor["records"], records)
    rate, floor_rate = records / reader["seconds"], records / floor["seconds"]
    print(
        f"(a) read_apple_health:         {rate:9,.0f} records/s, {steps / reader['seconds']:,.0f} step records/s, "
        f"{size / reader['seconds']:.0f} MB/s ({reader['seconds']:.1f} s; CPU {reader['cpu']:.1f} s = "
        f"{records / reader['cpu']:,.0f} records/s); target >= {TARGET_RATE:,}: "
        f"{'met' if rate >= TARGET_RATE else 'MISSED'}"
    )
    print(
        f"    peak RSS {reader['rss']:.0f} MB; target <= {TARGET_RSS_MB} MB: "
        f"{'met' if reader['rss'] <= TARGET_RSS_MB else 'MISSED'}; {reader['day_totals']:,.0f} day totals"
    )
    print(
        f"(b) bare lxml iterparse floor: {floor_rate:9,.0f} records/s ({floor['seconds']:.1f} s; CPU "
        f"{floor['cpu']:.1f} s), peak RSS {floor['rss']:.0f} MB (baseline)"
    )
    print(f"    (a)/(b) = {rate / floor_rate:.2f}; best of {RUNS} runs each")
    print(f"    at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    main()
