"""Apple Health export.xml and export.zip: golden totals for the real samples, each trap of the format, hostile XML."""

from __future__ import annotations

import io
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hiroba.health.importers.apple import _NoEntities, read_apple_health
from hiroba.health.importers.base import DayTotal, ImportRefused, best_of_sources
from hiroba.health.importers.tests.test_safezip import zipped
from hiroba.health.samples.apple import HEAD, export, record

SAMPLES = Path(__file__).resolve().parents[4].parent / "shared" / "samples" / "apple-health"


def totals(upload: io.BytesIO) -> dict[tuple[date, str], tuple[int, int]]:
    return {(t.day, t.source): (t.steps, t.manual_steps) for t in read_apple_health(upload)}


def refusal(upload: io.BytesIO) -> ImportRefused:
    with pytest.raises(ImportRefused) as caught:
        list(read_apple_health(upload))
    return caught.value


# ---------------------------------------------------------------- golden files (totals worked out by hand)


def test_golden_tdda_ios8_export() -> None:
    # given: 10 step records of 5 s each on 2014-09-13, all from "Health"; distance records, a Workout, summaries.
    # 329 + 283 + 426 + 61 + 10 + 200 + 390 + 320 + 216 + 282 = 2517; the busiest 5 s held 426 steps
    with (SAMPLES / "tdda-applehealthdata_export6s3sample.xml").open("rb") as file:
        # when
        result = list(read_apple_health(file))

    # then
    assert result == [DayTotal(date(2014, 9, 13), "Health", 2517, 0, 426.0)]


def test_golden_opendroid_pretty_printed_export() -> None:
    # given: attributes wrapped over lines, emoji sources, a type="c" record and 3 StepCount records of
    # DonorTwo's iPhone on 2014-09-19 (-0800): 143 + 66 + 223 = 432, the largest 223 in 5 s
    with (SAMPLES / "opendroid-hk_sampleexport-2.xml").open("rb") as file:
        # when
        result = list(read_apple_health(file))

    # then
    assert result == [DayTotal(date(2014, 9, 19), "DonorTwo's iPhone", 432, 0, 223.0)]


def test_golden_comocomo_real_device_excerpt() -> None:
    # given: the per-day, per-source sums of PROVENANCE.md; "Health" holds only HKWasUserEntered records
    iphone = "Jonathan’s iPhone"
    with (SAMPLES / "comocomo-healthkitimporter_export_steps-excerpt.xml").open("rb") as file:
        # when
        result = {(t.day, t.source): t for t in read_apple_health(file)}

    # then
    assert {key: (t.steps, t.manual_steps) for key, t in result.items()} == {
        (date(2017, 3, 5), "Health"): (0, 76),
        (date(2017, 3, 5), iphone): (1307, 0),
        (date(2017, 3, 7), "Health"): (0, 30000),
        (date(2017, 3, 7), iphone): (670, 0),
        (date(2017, 9, 13), "Health"): (0, 15100),
        (date(2017, 9, 13), iphone): (1043, 0),
        (date(2017, 10, 22), "Connect"): (1744, 0),
        (date(2017, 10, 22), "Health"): (0, 100),
        (date(2017, 10, 22), iphone): (204, 0),
        (date(2017, 10, 30), "Connect"): (12560, 0),
        (date(2017, 10, 30), "Health"): (0, 2166),
        (date(2017, 10, 30), iphone): (2340, 0),
    }
    # the fastest automatic sample of each day: steps over its minutes (at least one)
    assert {key: t.max_per_minute for key, t in result.items() if t.steps} == pytest.approx(
        {
            (date(2017, 3, 5), iphone): 279 * 60 / 334,
            (date(2017, 3, 7), iphone): 89 * 60 / 230,
            (date(2017, 9, 13), iphone): 110 * 60 / 61,
            (date(2017, 10, 22), "Connect"): 377 * 60 / 899,  # Garmin's 15-minute buckets end at :14:59
            (date(2017, 10, 22), iphone): 74 * 60 / 64,
            (date(2017, 10, 30), "Connect"): 2447 * 60 / 899,
            (date(2017, 10, 30), iphone): 117 * 60 / 61,
        }
    )
    # Garmin and the iPhone counted the same walks: the day is the larger source, never the sum
    choices = {choice.day: choice for choice in best_of_sources(result.values())}
    assert (choices[date(2017, 10, 30)].steps, choices[date(2017, 10, 30)].source) == (12560, "Connect")
    assert (choices[date(2017, 3, 7)].steps, choices[date(2017, 3, 7)].manual_steps) == (670, 30000)


def test_export_zip_reads_export_xml_not_the_cda_nor_macos_forks() -> None:
    # given
    xml = export(record("2024-01-05 08:00:00 +0900", "2024-01-05 08:10:00 +0900", 900)).getvalue()
    upload = zipped(
        {
            "apple_health_export/export_cda.xml": b"<ClinicalDocument/>",
            "__MACOSX/apple_health_export/._export.xml": b"\x00\x05\x16\x07",
            "apple_health_export/export.xml": xml,
            "apple_health_export/workout-routes/route_2024-01-05_8.10am.gpx": b"<gpx/>",
        }
    )

    # when / then
    assert totals(upload) == {(date(2024, 1, 5), "花子のiPhone"): (900, 0)}


def test_a_zip_without_export_xml_is_refused() -> None:
    assert refusal(zipped({"apple_health_export/export_cda.xml": b"<x/>"})).code == "import.no_member"


# ---------------------------------------------------------------- the traps


def test_iphone_and_watch_on_the_same_walk_are_kept_apart_and_the_day_takes_the_larger() -> None:
    # given: both devices counted the same 10 minutes
    upload = export(
        record("2024-01-05 08:00:00 +0900", "2024-01-05 08:10:00 +0900", 1000, source="花子のiPhone"),
        record("2024-01-05 08:00:00 +0900", "2024-01-05 08:10:00 +0900", 1100, source="花子のApple Watch"),
        record("2024-01-05 12:00:00 +0900", "2024-01-05 12:05:00 +0900", 300, source="花子のApple Watch"),
    )

    # when
    result = list(read_apple_health(upload))

    # then
    assert [(t.source, t.steps) for t in result] == [("花子のApple Watch", 1400), ("花子のiPhone", 1000)]
    assert [(c.steps, c.source) for c in best_of_sources(result)] == [(1400, "花子のApple Watch")]


def test_records_inside_a_correlation_are_not_counted_twice() -> None:
    # given: a top-level record and the same record repeated inside a Correlation, then more top-level records
    step = record("2024-01-05 08:00:00 +0900", "2024-01-05 08:10:00 +0900", 700)
    upload = export(
        step,
        ' <Correlation type="HKCorrelationTypeIdentifierFood" sourceName="花子のiPhone" '
        'startDate="2024-01-05 08:00:00 +0900" endDate="2024-01-05 08:10:00 +0900">\n'
        '  <MetadataEntry key="HKMetadataKeySyncVersion" value="1"/>\n' + step + " </Correlation>\n",
        record("2024-01-05 09:00:00 +0900", "2024-01-05 09:10:00 +0900", 50),
    )

    # when / then
    assert totals(upload) == {(date(2024, 1, 5), "花子のiPhone"): (750, 0)}


def test_user_entered_steps_count_as_manual_and_set_no_rate() -> None:
    # given: 30,000 steps typed in at one instant, beside 600 walked in 6 minutes
    typed = '  <MetadataEntry key="HKWasUserEntered" value="1"/>\n'
    upload = export(
        record("2024-01-05 20:00:00 +0900", "2024-01-05 20:00:00 +0900", 30000, source="ヘルスケア", children=typed),
        record("2024-01-05 20:00:00 +0900", "2024-01-05 20:06:00 +0900", 600, source="ヘルスケア"),
        record(
            "2024-01-05 21:00:00 +0900",
            "2024-01-05 21:00:00 +0900",
            5,
            source="ヘルスケア",
            children='  <MetadataEntry key="HKWasUserEntered" value="0"/>\n',
        ),
    )

    # when
    [total] = read_apple_health(upload)

    # then
    assert (total.steps, total.manual_steps, total.max_per_minute) == (605, 30000, 100.0)


def test_the_day_is_the_date_written_in_the_records_own_offset() -> None:
    # given: a walk late on 1 January in California and one early on 2 January in Tokyo: the same UTC day,
    # two local dates; and a walk across midnight, which belongs to the day it started
    upload = export(
        record("2024-01-01 23:30:00 -0800", "2024-01-01 23:50:00 -0800", 1200, source="Watch"),
        record("2024-01-02 00:10:00 +0900", "2024-01-02 00:20:00 +0900", 800, source="Watch"),
        record("2024-01-02 23:55:00 +0900", "2024-01-03 00:05:00 +0900", 900, source="Watch"),
    )

    # when / then
    assert totals(upload) == {
        (date(2024, 1, 1), "Watch"): (1200, 0),
        (date(2024, 1, 2), "Watch"): (1700, 0),
    }


def test_a_sample_across_an_offset_change_is_timed_in_utc() -> None:
    # given: 23:50 -0800 on 1 January to 17:00 +0900 on 2 January is ten minutes (07:50 to 08:00 UTC)
    upload = export(record("2024-01-01 23:50:00 -0800", "2024-01-02 17:00:00 +0900", 1000))

    # when
    [total] = read_apple_health(upload)

    # then
    assert (total.day, total.max_per_minute) == (date(2024, 1, 1), 100.0)


def test_a_sample_shorter_than_a_minute_is_rated_as_one_minute() -> None:
    # given: 20 steps in 5 seconds is not 240 steps a minute
    upload = export(record("2024-01-05 08:00:00 +0900", "2024-01-05 08:00:05 +0900", 20))

    # when
    [total] = read_apple_health(upload)

    # then
    assert total.max_per_minute == 20.0


def test_other_types_other_elements_and_an_empty_export_are_ignored() -> None:
    # given
    upload = export(
        record(
            "2024-01-05 08:00:00 +0900",
            "2024-01-05 08:10:00 +0900",
            0.8,
            kind="HKQuantityTypeIdentifierDistanceWalkingRunning",
            unit="km",
        ),
        ' <Workout workoutActivityType="HKWorkoutActivityTypeWalking" sourceName="Watch" '
        'startDate="2024-01-05 08:00:00 +0900" endDate="2024-01-05 08:10:00 +0900"/>\n',
        ' <ActivitySummary dateComponents="2024-01-05" activeEnergyBurned="300"/>\n',
    )

    # when / then
    assert totals(upload) == {}
    assert totals(export()) == {}


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("line", "code"),
    [
        (record("2024-01-05 08:00:00 +0900", "2024-01-05 08:10:00 +0900", -5), "import.bad_value"),
        (record("2024-01-05 08:00:00 +0900", "2024-01-05 08:10:00 +0900", "many"), "import.bad_value"),
        (record("2024-01-05 08:00:00 +0900", "2024-01-05 08:10:00 +0900", "nan"), "import.bad_value"),
        (record("2024-01-05 08:00:00 +0900", "2024-01-05 08:10:00 +0900", "inf"), "import.bad_value"),
        (record("2024-01-05 08:00:00 +0900", "2024-01-05 08:10:00 +0900", "1e300"), "import.bad_value"),
        (record("2024-01-05 08:00:00 +0900", "2024-01-05 08:10:00 +0900", 5, unit="km"), "import.bad_unit"),
        (record("2024-01-05 08:00:00 +0900", "2024-01-05 08:10:00 +0900", 5, source=""), "import.bad_source"),
        (record("2024-01-05 08:00:00", "2024-01-05 08:10:00 +0900", 5), "import.bad_date"),
        (record("2024-01-05T08:00:00+09:00", "2024-01-05 08:10:00 +0900", 5), "import.bad_date"),
        (record("2024-13-05 08:00:00 +0900", "2024-01-05 08:10:00 +0900", 5), "import.bad_date"),
        (record("2024-01-05 08:00:00 +0900", "2024-01-05 08:10:00 +2500", 5), "import.bad_date"),
        (record("2024-01-05 08:00:00 +0900", "2024-01-05 07:10:00 +0900", 5), "import.bad_date"),
    ],
)
def test_a_bad_step_record_is_refused_naming_its_line(line: str, code: str) -> None:
    # given: the bad record is on line 17, after the 14 lines of HEAD and two good records
    good = record("2024-01-05 07:00:00 +0900", "2024-01-05 07:10:00 +0900", 5)
    upload = export(good, good, line)

    # when
    refused = refusal(upload)

    # then
    assert (refused.code, refused.where) == (code, "Record, line 17")
    assert refused.ja
    assert refused.en


def test_a_value_missing_is_refused() -> None:
    upload = export(record("2024-01-05 08:00:00 +0900", "2024-01-05 08:10:00 +0900", 5).replace(' value="5"', ""))
    assert refusal(upload).code == "import.bad_value"


def test_truncated_xml_is_refused_with_its_line() -> None:
    # given: an export cut off in the middle of a record
    whole = export(*[record("2024-01-05 08:00:00 +0900", "2024-01-05 08:10:00 +0900", 5)] * 20).getvalue()

    # when
    refused = refusal(io.BytesIO(whole[: len(whole) - 500]))

    # then
    assert refused.code == "import.bad_xml"
    assert refused.where.startswith("line ")


def test_xml_that_is_not_an_apple_export_is_refused() -> None:
    upload = io.BytesIO(b'<?xml version="1.0"?><ClinicalDocument><Record type="x"/></ClinicalDocument>')
    assert refusal(upload).code == "import.not_apple_health"
    assert refusal(io.BytesIO(b'<?xml version="1.0"?><Other/>')).code == "import.not_apple_health"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE HealthData [
<!ENTITY lol "lol">
<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<HealthData locale="en_US">
 <Record type="HKQuantityTypeIdentifierStepCount" sourceName="&lol9;" unit="count" value="1"
  startDate="2024-01-05 08:00:00 +0900" endDate="2024-01-05 08:10:00 +0900">&lol9;</Record>
</HealthData>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE HealthData [
<!ENTITY secret SYSTEM "file:///etc/passwd">
]>
<HealthData locale="en_US">
 <Record type="HKQuantityTypeIdentifierStepCount" sourceName="x" unit="count" value="1"
  startDate="2024-01-05 08:00:00 +0900" endDate="2024-01-05 08:10:00 +0900">&secret;</Record>
</HealthData>
"""


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_entity_declarations_are_refused_before_parsing(xml: bytes) -> None:
    # given
    began = time.perf_counter()

    # when
    refused = refusal(io.BytesIO(xml))

    # then: nothing was expanded or read (a billion laughs would take seconds and gigabytes)
    assert refused.code == "import.xml_entities"
    assert "root:" not in f"{refused} {refused.ja} {refused.where}"
    assert time.perf_counter() - began < 1


def test_a_zip_bomb_export_is_refused() -> None:
    # given: well-formed XML padded with 50 MB of blanks, which deflate about a thousandfold
    upload = zipped({"apple_health_export/export.xml": HEAD.encode() + b" " * 50 * 1024**2 + b"</HealthData>"})

    # when / then: refused as soon as the bytes read pass 200 times the compressed size
    assert refusal(upload).code == "import.zip_bomb"


def test_entity_declarations_inside_a_zip_are_refused() -> None:
    assert refusal(zipped({"apple_health_export/export.xml": BILLION_LAUGHS})).code == "import.xml_entities"


def test_the_entity_guard_sees_a_declaration_split_between_reads() -> None:
    # given: a stream that hands over 5 bytes at a time, so "<!ENTITY" straddles two reads
    class Trickle(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            return super().read(5 if size is None or size < 0 else min(size, 5))

    guard = _NoEntities(Trickle(b'<!DOCTYPE x [<!ENTITY a "b">]>'))

    # when / then
    with pytest.raises(ImportRefused) as caught:
        b"".join(iter(lambda: guard.read(1024), b""))
    assert caught.value.code == "import.xml_entities"


# ---------------------------------------------------------------- property: totals add up, the day takes the max

OFFSETS = [timezone(timedelta(hours=9)), timezone(timedelta(hours=-8)), timezone(timedelta(hours=5, minutes=30))]
samples = st.lists(
    st.tuples(
        st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2024, 1, 4)),  # noqa: DTZ001 (wall clock)
        st.sampled_from(OFFSETS),
        st.integers(min_value=0, max_value=3600),  # seconds
        st.integers(min_value=0, max_value=20_000),  # steps
        st.sampled_from(["花子のiPhone", "花子のApple Watch", "Connect"]),
        st.booleans(),  # typed in
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(samples)
def test_totals_add_up_and_the_day_is_the_largest_source(
    drawn: list[tuple[datetime, timezone, int, int, str, bool]],
) -> None:
    # given
    lines: list[str] = []
    expected: dict[tuple[date, str], tuple[int, int]] = {}
    for wall, offset, seconds, steps, source, typed in drawn:
        start = wall.replace(microsecond=0, tzinfo=offset)
        begins, ends = (
            moment.strftime("%Y-%m-%d %H:%M:%S %z") for moment in (start, start + timedelta(seconds=seconds))
        )
        children = '  <MetadataEntry key="HKWasUserEntered" value="1"/>\n' if typed else ""
        lines.append(record(begins, ends, steps, source=source, children=children))
        automatic, manual = expected.get((start.date(), source), (0, 0))
        expected[start.date(), source] = (automatic, manual + steps) if typed else (automatic + steps, manual)

    # when
    result = list(read_apple_health(export(*lines)))

    # then
    assert {(t.day, t.source): (t.steps, t.manual_steps) for t in result} == expected
    for choice in best_of_sources(result):
        that_day = [t.steps for t in result if t.day == choice.day]
        assert choice.steps == max(that_day)
        assert all(choice.steps >= steps for steps in that_day)
