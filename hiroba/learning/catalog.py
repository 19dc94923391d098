"""The course catalogue: Markdown files with TOML front matter in `hiroba/learning/courses/`. Django-free.

A course file `<slug>.md` starts with front matter between `+++` lines (title, title_en, summary, summary_en, audience,
minutes, sources, optional requires, quiz) and is split into sections on its `## ` headings; each section is one
page (step) of the course. Text before the first `## ` heading is the course's introduction on its overview page.
The quiz lives beside it as `<quiz>.quiz.toml` (see `quiz.py`). Files are read once per process and checked when
read: a broken course file fails loudly (and in the tests), never half-renders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hiroba.core.markdown import front_matter
from hiroba.learning.quiz import Quiz, quiz_load

COURSES = Path(__file__).resolve().parent / "courses"
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
KNOWN_ACTIVITIES = frozenset({"simulator"})
RESERVED_SLUGS = frozenset({"simulator", "issuer"})  # other pages under /learning/


class CourseError(ValueError):
    """A course file breaks a rule."""


@dataclass(frozen=True, slots=True)
class Section:
    number: int  # 1-based, the page's position in the course
    title: str
    body: str  # Markdown, without the heading


@dataclass(frozen=True, slots=True)
class Course:
    slug: str
    title: str
    title_en: str
    summary: str  # Japanese: the badge's description of the achievement
    summary_en: str
    audience: str
    minutes: int
    sources: tuple[str, ...]
    requires: tuple[str, ...]
    quiz_slug: str
    introduction: str
    sections: tuple[Section, ...]

    @property
    def needs_simulator(self) -> bool:
        return "simulator" in self.requires

    def section(self, number: int) -> Section | None:
        return self.sections[number - 1] if 1 <= number <= len(self.sections) else None


def _split_sections(body: str) -> tuple[str, tuple[Section, ...]]:
    intro: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    fenced = False
    for line in body.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            sections.append((line[3:].strip(), []))
        elif sections:
            sections[-1][1].append(line)
        else:
            intro.append(line)
    return "\n".join(intro).strip(), tuple(
        Section(k + 1, title, "\n".join(lines).strip()) for k, (title, lines) in enumerate(sections)
    )


def course_parse(text: str, *, slug: str) -> Course:
    try:
        meta, body = front_matter(text)
    except ValueError as exc:
        raise CourseError(f"{slug}: front matter: {exc}") from exc

    def text_field(key: str) -> str:
        value = meta.get(key)
        if not isinstance(value, str) or not value.strip():
            raise CourseError(f"{slug}: `{key}` must be a non-empty string")
        return value.strip()

    title, title_en, summary, summary_en, audience = (
        text_field(k) for k in ("title", "title_en", "summary", "summary_en", "audience")
    )
    minutes = meta.get("minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
        raise CourseError(f"{slug}: `minutes` must be a positive whole number")
    sources = meta.get("sources")
    if not isinstance(sources, list) or not sources or not all(isinstance(s, str) and s for s in sources):
        raise CourseError(f"{slug}: `sources` must be a non-empty list of strings")
    requires = meta.get("requires", [])
    if not isinstance(requires, list) or any(r not in KNOWN_ACTIVITIES for r in requires):
        raise CourseError(f"{slug}: `requires` may name only {sorted(KNOWN_ACTIVITIES)}")
    quiz = text_field("quiz")
    if not SLUG_RE.fullmatch(quiz):
        raise CourseError(f"{slug}: bad quiz slug {quiz!r}")
    intro, sections = _split_sections(body)
    if not sections or any(not s.title or not s.body for s in sections):
        raise CourseError(f"{slug}: a course needs `## ` sections, each with a title and text")
    return Course(
        slug=slug,
        title=title,
        title_en=title_en,
        summary=summary,
        summary_en=summary_en,
        audience=audience,
        minutes=minutes,
        sources=tuple(sources),
        requires=tuple(requires),
        quiz_slug=quiz,
        introduction=intro,
        sections=sections,
    )


@cache
def course_all() -> tuple[Course, ...]:
    """Every course in the repository, by slug."""
    courses = []
    for path in sorted(COURSES.glob("*.md")):
        slug = path.stem
        if not SLUG_RE.fullmatch(slug) or slug in RESERVED_SLUGS:
            raise CourseError(f"{path.name}: the file name must be a lower-case slug, not {sorted(RESERVED_SLUGS)}")
        courses.append(course_parse(path.read_text(encoding="utf-8"), slug=slug))
    return tuple(courses)


def course_find(slug: str) -> Course | None:
    return next((c for c in course_all() if c.slug == slug), None)


@cache
def quiz_for(slug: str) -> Quiz:
    """The quiz file `<slug>.quiz.toml`, checked."""
    if not SLUG_RE.fullmatch(slug):
        raise CourseError(f"bad quiz slug {slug!r}")
    path = COURSES / f"{slug}.quiz.toml"
    return quiz_load(path.read_text(encoding="utf-8"), slug=slug)
