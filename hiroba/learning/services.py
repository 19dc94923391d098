"""Writes of the learning app. Each act is one transaction with its audit record, on the chain of the staff
member's municipality (the platform chain for agency staff).

`activity_complete` is the entry point for other parts of the learning app (the card simulator calls it with
activity="simulator"). It uses a plain `atomic` rather than `atomic(durable=True)` so that a caller may run it
inside its own transaction; it is idempotent and safe against concurrent calls (the unique constraint decides)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils import timezone

from hiroba.core.audit import Actor, audit_record
from hiroba.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from hiroba.learning import openbadge
from hiroba.learning.catalog import Course, quiz_for
from hiroba.learning.events import LearningEvent
from hiroba.learning.keys import badge_key, learner_hash
from hiroba.learning.models import ActivityCompletion, BadgeIssue, QuizAttempt, SectionRead
from hiroba.learning.quiz import Grade, quiz_grade
from hiroba.learning.selectors import progress_get
from hiroba.tenancy.models import Staff
from hiroba.tenancy.selectors import actor_scope

ISSUER_NAME = "ひろば Hiroba"

ACTIVITY_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


def learner_required(*, actor: Actor) -> Staff:
    """Courses are for the staff of municipalities and of the agency, and for nobody else."""
    scope = actor_scope(actor)
    staff = None if scope.staff_id is None else Staff.objects.filter(pk=scope.staff_id).first()
    if actor.user is None or staff is None:
        raise PermissionDenied(
            "learning.staff_only",
            ja="研修は自治体とデジタル庁の職員のためのものです。",
            en="Learning is for the staff of municipalities and the agency.",
        )
    return staff


@transaction.atomic
def activity_complete(*, actor: Actor, activity: str) -> None:
    """Record that the acting staff member finished `activity` (a slug such as "simulator"). A second call, or a
    concurrent one, changes nothing and writes no second audit record."""
    if not ACTIVITY_RE.fullmatch(activity):
        raise Invalid(
            "learning.activity.invalid",
            ja="活動の名前が正しくありません。",
            en=f"Unknown activity name {activity!r}.",
            detail={"activity": activity},
        )
    staff = learner_required(actor=actor)
    if ActivityCompletion.objects.filter(staff=staff, activity=activity).exists():
        return
    try:
        with transaction.atomic():
            completion = ActivityCompletion.objects.create(staff=staff, activity=activity)
    except IntegrityError:
        return  # a concurrent call recorded it first
    audit_record(
        tag=LearningEvent.ACTIVITY_COMPLETED,
        actor=actor,
        subject=completion,
        data={"activity": activity},
        municipality=staff.municipality_id,
    )


def section_read(*, actor: Actor, course: Course, number: int) -> None:
    """Mark section `number` of `course` read (the "next" button). Idempotent; the first read is kept. Not audited:
    reading is not a security-relevant act, and the row itself records who read what when."""
    staff = learner_required(actor=actor)
    if course.section(number) is None:
        raise NotFound("learning.section.unknown", ja="そのページは見つかりません。", en=f"No section {number}.")
    with transaction.atomic():
        SectionRead.objects.get_or_create(staff=staff, course=course.slug, section=number)


@transaction.atomic(durable=True)
def quiz_submit(*, actor: Actor, course: Course, answers: Mapping[str, str]) -> tuple[QuizAttempt, Grade]:
    """Grade the answers on the server and add an attempt (attempts are never changed). Every question must be
    answered; the browser's own checks are not trusted."""
    staff = learner_required(actor=actor)
    quiz = quiz_for(course.quiz_slug)
    missing = [q.id for q in quiz.questions if q.choice(answers.get(q.id)) is None]
    if missing:
        raise Invalid(
            "learning.quiz.unanswered",
            ja=f"答えていない問題があります({len(missing)}問)。すべての問題に答えてください。",
            en=f"{len(missing)} question(s) not answered. Answer every question.",
            detail={"questions": missing},
        )
    grade = quiz_grade(quiz, answers)
    attempt = QuizAttempt.objects.create(
        staff=staff,
        course=course.slug,
        quiz=quiz.slug,
        score=grade.score,
        total=grade.total,
        pass_mark=grade.pass_mark,
        passed=grade.passed,
        answers=grade.answers(),
    )
    audit_record(
        tag=LearningEvent.QUIZ_ATTEMPTED,
        actor=actor,
        subject=attempt,
        data={"course": course.slug, "score": grade.score, "total": grade.total, "passed": grade.passed},
        municipality=staff.municipality_id,
    )
    return attempt, grade


def _achievement(course: Course, origin: str) -> openbadge.Achievement:
    requires = "、カードシミュレーターの修了" if "simulator" in course.requires else ""
    return openbadge.Achievement(
        id=f"{origin}/learning/{course.slug}/",
        name=course.title,
        description=course.summary,
        criteria=f"全{len(course.sections)}ページの受講、確認テストの合格{requires}。",
    )


def issuer(origin: str) -> openbadge.Issuer:
    return openbadge.Issuer(id=f"{origin}/learning/issuer.json", name=ISSUER_NAME, url=f"{origin}/")


@transaction.atomic(durable=True)
def badge_issue(*, actor: Actor, course: Course, origin: str) -> BadgeIssue:
    """The signed completion badge of a complete course; the same one on every later call (one per staff member
    and course, also under concurrent calls). `origin` is the site's origin (https://…), which names the issuer."""
    staff = learner_required(actor=actor)
    if (existing := BadgeIssue.objects.filter(staff=staff, course=course.slug).first()) is not None:
        return existing
    if not progress_get(staff=staff, course=course).complete:
        raise Conflict(
            "learning.badge.incomplete",
            ja="研修をすべて修了すると、バッジを受け取れます。",
            en="The badge is issued once the whole course is complete.",
        )
    key = badge_key()
    badge_id = uuid.uuid4()
    issued_at = timezone.now().replace(microsecond=0)
    user = staff.user
    credential = openbadge.credential_build(
        credential_id=f"urn:uuid:{badge_id}",
        issuer=issuer(origin),
        achievement=_achievement(course, origin),
        display_name=user.full_name,
        learner_hash=learner_hash(public_id=user.public_id),
        issued_at=issued_at,
    )
    token = openbadge.credential_sign(credential, key)
    try:
        with transaction.atomic():
            badge = BadgeIssue.objects.create(
                id=badge_id,
                staff=staff,
                course=course.slug,
                issued_at=issued_at,
                key_id=openbadge.public_jwk(key)["kid"],
                jws=token,
            )
    except IntegrityError:
        return BadgeIssue.objects.get(staff=staff, course=course.slug)  # a concurrent call issued it first
    audit_record(
        tag=LearningEvent.BADGE_ISSUED,
        actor=actor,
        subject=badge,
        data={"course": course.slug, "kid": badge.key_id},
        municipality=staff.municipality_id,
    )
    return badge
