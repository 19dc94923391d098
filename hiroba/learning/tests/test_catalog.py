"""The course files in the repository: they load, they split into pages, and their text is safe to render."""

from __future__ import annotations

import re

import pytest

from hiroba.core.markdown import render
from hiroba.learning.catalog import COURSES, CourseError, course_all, course_find, course_parse


def test_the_card_course_is_in_japanese_with_its_pages_and_sources() -> None:
    course = course_find("mynumber-card")
    assert course is not None
    assert course.title == "マイナンバーカードでできること"
    assert course.requires == ("simulator",)
    titles = [s.title for s in course.sections]
    assert titles[-1] == "出典"
    for topic in (
        "証明書",
        "暗証番号",
        "有効期限",
        "スマートフォン",
        "デジタル認証アプリ",
        "代理人",
        "個人番号",
        "ひろば",
    ):
        assert any(topic in t for t in titles), topic
    assert course.sources
    assert course.section(1) is course.sections[0]
    assert course.section(0) is None
    assert course.section(len(titles) + 1) is None


def test_no_course_file_contains_a_twelve_digit_number() -> None:
    for path in COURSES.iterdir():
        assert not re.search(r"(?<!\d)\d{12}(?!\d)", path.read_text(encoding="utf-8")), path.name


def test_every_page_renders_without_any_raw_input_markup() -> None:
    for course in course_all():
        for section in course.sections:
            html = render(section.body)
            assert "<script" not in html
            assert html.strip()


HEAD = '+++\ntitle = "t"\ntitle_en = "t"\nsummary = "s"\nsummary_en = "s"\naudience = "a"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("## A\ntext\n", "front matter|title"),
        ('+++\ntitle = "t"\n+++\n## A\ntext\n', "title_en"),
        (f"{HEAD}minutes = 0\n+++\n", "minutes"),
        (f'{HEAD}minutes = 5\nsources = ["s"]\nquiz = "q"\nrequires = ["dance"]\n+++\n## A\ntext\n', "requires"),
        (f'{HEAD}minutes = 5\nsources = ["s"]\nquiz = "q"\n+++\nno sections\n', "sections"),
    ],
)  # fmt: skip
def test_a_broken_course_file_is_refused(text: str, message: str) -> None:
    with pytest.raises(CourseError, match=message):
        course_parse(text, slug="t")
