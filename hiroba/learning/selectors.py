"""Reads of the learning app: one staff member's progress through a course, and the roll-up of a municipality's
staff for that municipality's admins (tenant isolation enforced here, with `scope_require`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from hiroba.core.errors import NotFound
from hiroba.learning.catalog import Course, course_all, course_find
from hiroba.learning.models import ActivityCompletion, BadgeIssue, QuizAttempt, SectionRead
from hiroba.tenancy.models import Role, Staff
from hiroba.tenancy.selectors import StaffScope, scope_require


def course_get(*, slug: str) -> Course:
    course = course_find(slug)
    if course is None:
        raise NotFound("learning.course.unknown", ja="その研修は見つかりません。", en=f"No course {slug!r}.")
    return course


@dataclass
class Progress:
    """Where one staff member stands in one course."""

    course: Course
    read: set[int] = field(default_factory=set)
    attempts: int = 0
    best_score: int | None = None
    passed: bool = False
    activities: set[str] = field(default_factory=set)
    badge: BadgeIssue | None = None

    @property
    def sections_total(self) -> int:
        return len(self.course.sections)

    @property
    def sections_read(self) -> int:
        return len(self.read & set(range(1, self.sections_total + 1)))

    @property
    def all_read(self) -> bool:
        return self.sections_read == self.sections_total

    @property
    def requirements_done(self) -> bool:
        return all(a in self.activities for a in self.course.requires)

    @property
    def complete(self) -> bool:
        """Every section read, the quiz passed and each required activity done."""
        return self.all_read and self.passed and self.requirements_done

    @property
    def started(self) -> bool:
        return bool(self.read) or self.attempts > 0 or bool(self.activities & set(self.course.requires))

    @property
    def next_section(self) -> int | None:
        """The first section not read yet."""
        return next((n for n in range(1, self.sections_total + 1) if n not in self.read), None)


def _progress_for(staff_ids: list[int], course: Course) -> dict[int, Progress]:
    progress = {sid: Progress(course) for sid in staff_ids}
    reads = SectionRead.objects.filter(staff_id__in=staff_ids, course=course.slug).values_list("staff_id", "section")
    for sid, number in reads:
        progress[sid].read.add(number)
    attempts = QuizAttempt.objects.filter(staff_id__in=staff_ids, course=course.slug).values_list(
        "staff_id", "score", "passed"
    )
    for sid, score, passed in attempts:
        p = progress[sid]
        p.attempts += 1
        p.best_score = score if p.best_score is None else max(p.best_score, score)
        p.passed = p.passed or passed
    for sid, activity in ActivityCompletion.objects.filter(staff_id__in=staff_ids).values_list("staff_id", "activity"):
        progress[sid].activities.add(activity)
    for badge in BadgeIssue.objects.filter(staff_id__in=staff_ids, course=course.slug):
        progress[badge.staff_id].badge = badge
    return progress


def progress_get(*, staff: Staff, course: Course) -> Progress:
    return _progress_for([staff.pk], course)[staff.pk]


def progress_list(*, staff: Staff) -> list[Progress]:
    """Every course with this staff member's progress."""
    return [progress_get(staff=staff, course=c) for c in course_all()]


def activity_done(*, staff: Staff, activity: str) -> bool:
    return ActivityCompletion.objects.filter(staff=staff, activity=activity).exists()


def attempt_list(*, staff: Staff, course: Course) -> list[QuizAttempt]:
    return list(QuizAttempt.objects.filter(staff=staff, course=course.slug).order_by("-attempted_at", "-pk")[:10])


@dataclass
class Tally:
    """Counts over a group of staff (a department, or the whole town) for one course."""

    staff: int = 0
    started: int = 0
    read: int = 0  # sections read, summed
    possible: int = 0  # sections that could have been read, summed
    quiz_passed: int = 0
    activities: int = 0  # staff who did every required activity
    completed: int = 0
    badges: int = 0

    @property
    def read_percent(self) -> int:
        return round(100 * self.read / self.possible) if self.possible else 0

    def add(self, p: Progress) -> None:
        self.staff += 1
        self.started += p.started
        self.read += p.sections_read
        self.possible += p.sections_total
        self.quiz_passed += p.passed
        self.activities += p.requirements_done
        self.completed += p.complete
        self.badges += p.badge is not None


@dataclass(frozen=True)
class StaffRow:
    name: str
    department: str
    progress: Progress


@dataclass(frozen=True)
class Rollup:
    course: Course
    town: Tally
    departments: list[tuple[str, Tally]]
    rows: list[StaffRow]


def learning_rollup(*, scope: StaffScope, lg_code: str, course: Course) -> Rollup:
    """Progress of a municipality's staff in one course, per department, for the whole town and per person.
    For that municipality's admins only."""
    scope_require(scope, Role.ADMIN, lg_code)
    staff = list(
        Staff.objects.filter(municipality_id=lg_code)
        .select_related("user")
        .order_by("department", "user__full_name_kana", "pk")
    )
    progress = _progress_for([s.pk for s in staff], course)
    town = Tally()
    departments: dict[str, Tally] = defaultdict(Tally)
    rows = []
    for s in staff:
        p = progress[s.pk]
        town.add(p)
        departments[s.department].add(p)
        rows.append(StaffRow(s.user.full_name, s.department, p))
    return Rollup(course, town, sorted(departments.items()), rows)
