"""Recognising an upload from its content, opening it, and `read_steps` choosing the reader."""

from __future__ import annotations

import io
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from hiroba.health.importers.base import ImportRefused
from hiroba.health.importers.detect import detect, read_steps, seekable_upload, zip_member
from hiroba.health.importers.safezip import open_archive
from hiroba.health.importers.tests.test_safezip import zipped
from hiroba.health.samples.apple import export, record

APPLE_XML = export(record("2024-01-05 08:00:00 +0900", "2024-01-05 08:10:00 +0900", 900)).getvalue()
FIT_CSV = b"Date,Move Minutes count,Step count\n2024-01-05,30,4321\n"


class OneWay(io.BytesIO):
    """An upload that cannot seek, like a pipe."""

    def seekable(self) -> bool:
        return False


@pytest.fixture
def health_connect_zip(tmp_path: Path) -> bytes:
    path = tmp_path / "health_connect_export.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE steps_record_table (row_id INTEGER PRIMARY KEY, local_date INTEGER, count INTEGER)")
        db.execute("INSERT INTO steps_record_table (local_date, count) VALUES (?, ?)", (19727, 777))  # 2024-01-05
    db.close()
    return zipped({"health_connect_export.db": path.read_bytes()}).getvalue()


@pytest.mark.parametrize(
    ("upload", "kind"),
    [
        (APPLE_XML, "apple_health"),
        (b"\xef\xbb\xbf\n" + APPLE_XML, "apple_health"),
        (zipped({"apple_health_export/export.xml": APPLE_XML}).getvalue(), "apple_health"),
        (FIT_CSV, "google_fit"),
        ("\ufeff日付,歩数\n2024-01-05,100\n".encode(), "google_fit"),
        (zipped({"Takeout/Fit/Daily activity metrics/Daily activity metrics.csv": FIT_CSV}).getvalue(), "google_fit"),
    ],
)
def test_the_kind_comes_from_the_content(upload: bytes, kind: str) -> None:
    # given
    stream = io.BytesIO(upload)

    # when / then: and the stream is left where it was, for the reader
    assert detect(stream) == kind
    assert stream.tell() == 0


def test_a_health_connect_zip_is_recognised(health_connect_zip: bytes) -> None:
    assert detect(io.BytesIO(health_connect_zip)) == "health_connect"


@pytest.mark.parametrize(
    "upload",
    [
        b"%PDF-1.7\n",
        b"",
        b'<?xml version="1.0"?><ClinicalDocument xmlns="urn:hl7-org:v3"/>',
        b"Date,Calories (kcal)\n2024-01-05,1800\n",
        b"\x82\xa0\x82\xa2",
        zipped({"readme.txt": b"hello"}).getvalue(),
    ],
    ids=["pdf", "empty", "cda", "csv-without-steps", "shift-jis", "zip-without-export"],
)
def test_anything_else_is_an_unknown_kind(upload: bytes) -> None:
    with pytest.raises(ImportRefused) as caught:
        detect(io.BytesIO(upload))
    assert caught.value.code == "import.unknown_kind"


def test_read_steps_detects_and_reads_each_kind(health_connect_zip: bytes) -> None:
    # when
    read = {
        name: [(t.day, t.source, t.steps) for t in read_steps(io.BytesIO(upload))]
        for name, upload in [("apple", APPLE_XML), ("fit", FIT_CSV), ("connect", health_connect_zip)]
    }

    # then
    assert read == {
        "apple": [(date(2024, 1, 5), "花子のiPhone", 900)],
        "fit": [(date(2024, 1, 5), "Google Fit", 4321)],
        "connect": [(date(2024, 1, 5), "Health Connect", 777)],
    }


def test_read_steps_copes_with_an_upload_that_cannot_seek(health_connect_zip: bytes) -> None:
    assert [t.steps for t in read_steps(OneWay(health_connect_zip))] == [777]
    assert [t.steps for t in read_steps(OneWay(APPLE_XML), "apple_health")] == [900]


def test_read_steps_trusts_a_given_kind_and_refuses_an_unknown_one() -> None:
    with pytest.raises(ImportRefused) as caught:
        list(read_steps(io.BytesIO(APPLE_XML), "google_fit"))
    assert caught.value.code == "import.no_steps_column"

    with pytest.raises(ImportRefused) as caught:
        list(read_steps(io.BytesIO(APPLE_XML), "fitbit"))
    assert caught.value.code == "import.unknown_kind"


@pytest.mark.parametrize("make", [io.BytesIO, OneWay], ids=["seekable", "one-way"])
def test_an_upload_over_the_size_bound_is_refused(make: type[io.BytesIO]) -> None:
    # given
    stream = make(b"x" * 2000)

    # when
    with pytest.raises(ImportRefused) as caught, seekable_upload(stream, limit=1000):
        pass

    # then
    assert caught.value.code == "import.too_large"


def test_an_upload_within_the_bound_is_read_from_where_it_stood() -> None:
    stream = OneWay(b"header|body")
    stream.read(7)
    with seekable_upload(stream, limit=100) as upload:
        assert upload.read() == b"body"


def test_several_export_xml_members_are_ambiguous() -> None:
    # given: two people's exports in one zip
    upload = zipped(
        {"hanako/apple_health_export/export.xml": APPLE_XML, "taro/apple_health_export/export.xml": APPLE_XML}
    )

    # when
    with open_archive(upload) as archive, pytest.raises(ImportRefused) as caught:
        zip_member(archive, "apple_health")

    # then
    assert caught.value.code == "import.ambiguous_member"


def test_apples_own_path_wins_over_another_export_xml() -> None:
    upload = zipped({"apple_health_export/export.xml": APPLE_XML, "backup/old_export.xml": APPLE_XML})
    with open_archive(upload) as archive:
        assert zip_member(archive, "apple_health") == "apple_health_export/export.xml"
