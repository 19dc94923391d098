"""The zip guard every importer opens uploads through: hostile names, links, member counts, bombs, damage."""

from __future__ import annotations

import io
import stat
import zipfile

import pytest

from hiroba.health.importers import safezip
from hiroba.health.importers.base import ImportRefused
from hiroba.health.importers.safezip import open_archive, open_member


def zipped(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> io.BytesIO:
    """An in-memory zip holding `members` (the importer tests build their uploads with it too)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def _refusal(upload: io.BytesIO) -> ImportRefused:
    with pytest.raises(ImportRefused) as caught:
        open_archive(upload)
    return caught.value


@pytest.mark.parametrize(
    "name",
    ["../evil.xml", "apple_health_export/../../evil.xml", "/etc/passwd", "\\windows\\evil.xml", "C:/evil.xml"],
)
def test_names_outside_the_archive_are_refused(name: str) -> None:
    # given / when
    refusal = _refusal(zipped({"apple_health_export/export.xml": b"<HealthData/>", name: b"x"}))

    # then
    assert refusal.code == "import.zip_path"
    assert refusal.where == name


def test_a_symbolic_link_is_refused() -> None:
    # given: a member flagged as a link to /etc/passwd, as `zip --symlinks` writes it
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("apple_health_export/export.xml")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    buffer.seek(0)

    # when
    refusal = _refusal(buffer)

    # then
    assert refusal.code == "import.zip_path"
    assert refusal.where == "apple_health_export/export.xml"


def test_too_many_members_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    monkeypatch.setattr(safezip, "MAX_MEMBERS", 3)

    # when
    refusal = _refusal(zipped({f"f{n}.csv": b"" for n in range(4)}))

    # then
    assert refusal.code == "import.zip_members"


def _read_member(upload: io.BytesIO, name: str, *, limit: int = safezip.MAX_MEMBER_BYTES) -> bytes:
    with open_archive(upload) as archive, open_member(archive, name, limit=limit) as member:
        return b"".join(iter(lambda: member.read(1024**2), b""))


def test_a_zip_bomb_stops_early() -> None:
    # given: 50 MB of zeros, which deflate to about 50 kB (a ratio near 1,000)
    upload = zipped({"apple_health_export/export.xml": bytes(50 * 1024**2)})

    # when
    with pytest.raises(ImportRefused) as caught:
        _read_member(upload, "apple_health_export/export.xml")

    # then
    assert caught.value.code == "import.zip_bomb"
    assert caught.value.where == "apple_health_export/export.xml"


def test_a_member_over_the_callers_limit_is_refused() -> None:
    # given: stored, so the ratio is 1 and only the limit applies
    upload = zipped({"health_connect_export.db": b"x" * 5000}, compression=zipfile.ZIP_STORED)

    # when
    with pytest.raises(ImportRefused) as caught:
        _read_member(upload, "health_connect_export.db", limit=4096)

    # then
    assert caught.value.code == "import.zip_bomb"


def test_a_truncated_zip_is_refused() -> None:
    # given: the first half of an archive, so the central directory is missing
    whole = zipped({"apple_health_export/export.xml": b"<HealthData>" + b"x" * 10_000}).getvalue()

    # when
    refusal = _refusal(io.BytesIO(whole[: len(whole) // 2]))

    # then
    assert refusal.code == "import.bad_zip"


def test_a_damaged_member_is_refused_when_read() -> None:
    # given: a stored member with one byte changed, so its CRC fails
    data = bytearray(zipped({"export.xml": b"<HealthData/>" * 100}, compression=zipfile.ZIP_STORED).getvalue())
    data[data.index(b"<HealthData/>") + 3] ^= 0xFF

    # when
    with pytest.raises(ImportRefused) as caught:
        _read_member(io.BytesIO(bytes(data)), "export.xml")

    # then
    assert caught.value.code == "import.bad_zip"
    assert caught.value.where == "export.xml"


def test_a_plain_member_reads_back() -> None:
    # given
    upload = zipped({"Takeout/Fit/Daily activity metrics/Daily activity metrics.csv": b"Date,Step count\n"})

    # when
    data = _read_member(upload, "Takeout/Fit/Daily activity metrics/Daily activity metrics.csv")

    # then
    assert data == b"Date,Step count\n"
