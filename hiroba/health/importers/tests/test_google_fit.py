"""Google Fit Takeout daily CSV: the real sample, headers found by name in English and Japanese, and bad rows."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest

from hiroba.health.importers.base import DayTotal, ImportRefused
from hiroba.health.importers.google_fit import MAX_LINE_CHARS, read_google_fit
from hiroba.health.importers.tests.test_safezip import zipped

SAMPLE = (
    Path(__file__).resolve().parents[4].parent
    / "shared"
    / "samples"
    / "google-fit"
    / "manilmunjal-PYTHON_HAR_Daily activity metrics.csv"
)
# The sample's "Step count" column (the 10th of 16), read off the file for 2022-02-12 .. 2022-08-07, one a day.
SAMPLE_STEPS = [
    2575, 7517, 5916, 6641, 3013, 1654, 1301, 12132, 5485, 2347, 878, 3518, 1735, 2443, 11913, 7668, 3544, 8752,
    13368, 10838, 11876, 7702, 6619, 13957, 10161, 9727, 8835, 9845, 5945, 6844, 10073, 9066, 5723, 7105, 5880, 6238,
    3089, 14211, 8365, 9153, 11675, 13392, 9521, 3192, 6718, 7176, 10928, 13112, 11395, 8837, 8212, 14912, 9212, 5797,
    6915, 9864, 14708, 1600, 13713, 6871, 7129, 5104, 4988, 2199, 3558, 7878, 7146, 12035, 11169, 13987, 7049, 7131,
    2280, 6382, 1568, 1743, 5123, 2061, 2765, 5697, 1706, 6278, 5691, 3849, 2914, 3459, 8202, 3666, 6172, 7042, 12490,
    2823, 3886, 12398, 8952, 13751, 8350, 7535, 3307, 1390, 1613, 2575, 5416, 5045, 4160, 4827, 2981, 3843, 1647, 2127,
    2741, 3547, 3281, 5907, 1292, 2580, 2610, 2037, 2714, 2252, 3617, 6147, 3020, 1996, 3848, 2603, 4216, 1548, 3050,
    3578, 4012, 3811, 2276, 4542, 7095, 5296, 5837, 3949, 1966, 3960, 4185, 2245, 3101, 2525, 3330, 2783, 5317, 4386,
    3949, 3762, 2331, 6282, 2096, 4598, 3346, 3928, 2519, 2907, 4098, 8348, 2858, 3461, 2602, 1818, 2270, 5199, 2570,
    4809, 15985, 15168, 9044, 2003, 13012, 7194, 8259, 3676, 992,
]  # fmt: skip


def fit(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode())


def totals(upload: io.BytesIO) -> dict[date, int]:
    return {t.day: t.steps for t in read_google_fit(upload)}


def refusal(upload: io.BytesIO) -> ImportRefused:
    with pytest.raises(ImportRefused) as caught:
        list(read_google_fit(upload))
    return caught.value


def test_golden_takeout_daily_metrics() -> None:
    # given: 177 days without a gap; Step count is the 10th of 16 columns
    with SAMPLE.open("rb") as file:
        # when
        result = list(read_google_fit(file))

    # then
    assert result == [
        DayTotal(date(2022, 2, 12) + timedelta(days=n), "Google Fit", steps) for n, steps in enumerate(SAMPLE_STEPS)
    ]
    assert sum(SAMPLE_STEPS) == 1_028_773


def test_the_takeout_zip_is_read_from_its_daily_file() -> None:
    # given: a Takeout holding the daily file, a per-day file and a JSON session
    upload = zipped(
        {
            "Takeout/Fit/Daily activity metrics/2024-01-05.csv": b"Start time,End time,Step count\n",
            "Takeout/Fit/Daily activity metrics/Daily activity metrics.csv": SAMPLE.read_bytes(),
            "Takeout/Fit/All Sessions/2024-01-05T08_00_00+09_00_WALKING.json": b"{}",
        }
    )

    # when / then
    assert sum(totals(upload).values()) == 1_028_773


def test_a_takeout_in_another_language_is_read_from_its_one_daily_csv() -> None:
    # given: folder and file names in Japanese (the real ones are not known here), beside a per-day file
    folder = "Takeout/Fit/日別のアクティビティ指標"
    upload = zipped(
        {
            f"{folder}/2024-01-05.csv": "開始時間,終了時間,歩数\n".encode(),
            f"{folder}/日別のアクティビティ指標.csv": "日付,歩数\n2024-01-05,4321\n".encode(),
        }
    )

    # when / then
    assert totals(upload) == {date(2024, 1, 5): 4321}


def test_japanese_headers_with_a_bom_odd_spacing_and_crlf() -> None:
    # given: a Japanese account's export, saved again by a spreadsheet (BOM, CRLF, full-width space, quotes)
    upload = io.BytesIO(
        "\ufeff日付,移動時間（分）,\u3000歩数 ,距離（m）\r\n"
        "2024-01-05,40,8123,5000.5\r\n"
        '2024-01-06,12,"1234",800\r\n'
        "2024-01-07,0,,0\r\n".encode()
    )

    # when / then
    assert totals(upload) == {date(2024, 1, 5): 8123, date(2024, 1, 6): 1234}


def test_columns_are_found_by_name_in_any_order_and_empty_cells_are_no_data() -> None:
    upload = fit("Step count,Heart Points,Date\n9000,12,2024-01-05\n,,2024-01-06\n\n42,,2024-01-07\n")
    assert totals(upload) == {date(2024, 1, 5): 9000, date(2024, 1, 7): 42}


@pytest.mark.parametrize(
    ("row", "code"),
    [
        ("05/01/2024,100", "import.bad_value"),
        (",100", "import.bad_value"),
        ("2024-01-05,-100", "import.bad_value"),
        ("2024-01-05,12.5", "import.bad_value"),
        ("2024-01-05,1e3", "import.bad_value"),
        ("2024-01-05,１２", "import.bad_value"),  # full-width digits are not what Takeout writes
        ("2024-01-05,10000000001", "import.bad_value"),
        ("2024-01-05," + "9" * 5000, "import.bad_value"),  # beyond what int() reads without complaint
    ],
)
def test_a_bad_row_is_refused_naming_its_line(row: str, code: str) -> None:
    # when
    refused = refusal(fit(f"Date,Step count\n2024-01-04,10\n{row}\n"))

    # then
    assert (refused.code, refused.where) == (code, "line 3")


def test_a_header_without_steps_is_refused() -> None:
    assert refusal(fit("Date,Calories (kcal)\n2024-01-05,1800\n")).code == "import.no_steps_column"
    assert refusal(fit("")).code == "import.no_steps_column"


def test_an_overlong_line_is_refused() -> None:
    refused = refusal(fit("Date,Step count\n2024-01-05," + "9" * MAX_LINE_CHARS + "\n"))
    assert (refused.code, refused.where) == ("import.line_too_long", "line 2")


def test_text_that_is_not_utf8_is_refused() -> None:
    assert refusal(io.BytesIO("日付,歩数\n2024-01-05,100\n".encode("shift_jis"))).code == "import.bad_encoding"


def test_a_quoted_cell_beyond_the_csv_field_limit_is_refused() -> None:
    # given: short lines, but one quoted cell running over three of them (more than csv's 128 KiB a field)
    refused = refusal(fit('Date,Step count\n2024-01-05,"' + ("9" * 60_000 + "\n") * 3 + '"\n'))

    # then
    assert (refused.code, refused.where) == ("import.bad_csv", "line 4")


def test_the_callers_stream_stays_open() -> None:
    # given
    upload = fit("Date,Step count\n2024-01-05,100\n")

    # when
    list(read_google_fit(upload))

    # then: the text wrapper was detached, not closed
    assert not upload.closed
