"""The committed catalogues: every Japanese string is translated, and every catalogue compiles."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def test_japanese_is_complete() -> None:
    catalogue = polib.pofile(str(LOCALE / "ja" / "LC_MESSAGES" / "django.po"))
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []


@pytest.mark.parametrize("locale_dir", ["ja", "en", "ja_X-easy"])
def test_catalogue_keeps_placeholders(locale_dir: str) -> None:
    catalogue = polib.pofile(str(LOCALE / locale_dir / "LC_MESSAGES" / "django.po"))
    for entry in catalogue.translated_entries():
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            for placeholder in ("%(n)s", "%(name)s", "%(currency)s", "%(old)s", "%(email)s"):
                if placeholder in entry.msgid:
                    assert placeholder in text, (locale_dir, entry.msgid)


# Pages residents use come in やさしい日本語 (Easy Japanese) too; staff pages fall back to Japanese.
RESIDENT_TEMPLATES = [
    "sign_in.html",
    "enroll.html",
    "consent.html",
    "me.html",
    "delete.html",
    "deleted.html",
    "_card_form.html",
]


def test_resident_pages_are_in_easy_japanese() -> None:
    catalogue = polib.pofile(str(LOCALE / "ja_X-easy" / "LC_MESSAGES" / "django.po"))
    missing = [
        entry.msgid
        for entry in catalogue
        if any(Path(place).name in RESIDENT_TEMPLATES for place, _ in entry.occurrences) and not entry.msgstr
    ]
    assert missing == []
