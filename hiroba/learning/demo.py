"""Demo progress for the learning app, so that a town admin's roll-up is not empty. Loading twice changes nothing.

見本 さくら (saku-counter) has finished the card course with its badge, 見本 花子 (saku-health) has read part of it and
failed the quiz once, 見本 一郎 (saku-admin) has started, and 小諸市's counter clerk has read it all. Runs after
`hiroba.demo.demo_load` (the staff must exist); uses services only.
"""

from __future__ import annotations

from django.conf import settings

from hiroba.core.audit import Actor
from hiroba.core.models import Channel
from hiroba.identity.models import User
from hiroba.learning.catalog import Course, course_find, quiz_for
from hiroba.learning.models import SectionRead
from hiroba.learning.services import activity_complete, badge_issue, quiz_submit, section_read

COURSE = "mynumber-card"


def _actor(username: str) -> Actor:
    return Actor.for_user(User.objects.get(username=username), channel=Channel.CLI)


def _read(actor: Actor, course: Course, pages: int) -> None:
    for section in course.sections[:pages]:
        section_read(actor=actor, course=course, number=section.number)


def _answers(course: Course, *, right: int) -> dict[str, str]:
    quiz = quiz_for(course.quiz_slug)
    return {
        q.id: q.answer.id if k < right else next(c.id for c in q.choices if not c.correct)
        for k, q in enumerate(quiz.questions)
    }


def demo_learning() -> None:
    course = course_find(COURSE)
    if course is None or SectionRead.objects.filter(staff__user__username="saku-counter", course=COURSE).exists():
        return
    total = len(course.sections)
    quiz_total = quiz_for(course.quiz_slug).total

    counter = _actor("saku-counter")
    _read(counter, course, total)
    quiz_submit(actor=counter, course=course, answers=_answers(course, right=quiz_total - 1))
    activity_complete(actor=counter, activity="simulator")
    badge_issue(actor=counter, course=course, origin=str(settings.SITE_ORIGIN or "http://localhost:8000").rstrip("/"))

    health = _actor("saku-health")
    _read(health, course, 4)
    quiz_submit(actor=health, course=course, answers=_answers(course, right=3))

    _read(_actor("saku-admin"), course, 2)
    _read(_actor("komoro-counter"), course, total)
