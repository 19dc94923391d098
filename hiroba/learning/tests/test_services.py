"""Reading, the quiz, completion, the badge and the admin's roll-up, through services and selectors."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import IntegrityError, transaction

from hiroba.core.audit import Actor
from hiroba.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from hiroba.core.models import AuditRecord, Channel
from hiroba.core.tests.race import race
from hiroba.identity.models import User
from hiroba.learning import openbadge
from hiroba.learning.catalog import Course, quiz_for
from hiroba.learning.events import LearningEvent
from hiroba.learning.keys import badge_key
from hiroba.learning.models import BadgeIssue, QuizAttempt, SectionRead
from hiroba.learning.selectors import course_get, learning_rollup, progress_get
from hiroba.learning.services import activity_complete, badge_issue, quiz_submit, section_read
from hiroba.tenancy.models import Staff
from hiroba.tenancy.selectors import staff_scope

ORIGIN = "https://hiroba.example.lg.jp"


def _actor(username: str) -> Actor:
    return Actor.for_user(User.objects.get(username=username), channel=Channel.WEB)


def _course() -> Course:
    return course_get(slug="mynumber-card")


def _answers(course: Course, *, right: int) -> dict[str, str]:
    """`right` correct answers, the rest wrong."""
    quiz = quiz_for(course.quiz_slug)
    return {
        q.id: (q.answer.id if k < right else next(c.id for c in q.choices if not c.correct))
        for k, q in enumerate(quiz.questions)
    }


def complete_course(username: str, *, simulator: bool = True) -> None:
    actor, course = _actor(username), _course()
    for section in course.sections:
        section_read(actor=actor, course=course, number=section.number)
    quiz_submit(actor=actor, course=course, answers=_answers(course, right=quiz_for(course.quiz_slug).total))
    if simulator:
        activity_complete(actor=actor, activity="simulator")


def _staff(username: str) -> Staff:
    return Staff.objects.get(user__username=username)


@pytest.mark.django_db
def test_reading_a_section_twice_counts_once(demo: object) -> None:
    actor, course = _actor("saku-counter"), _course()

    section_read(actor=actor, course=course, number=2)
    section_read(actor=actor, course=course, number=2)

    progress = progress_get(staff=_staff("saku-counter"), course=course)
    assert progress.read == {2}
    assert progress.sections_read == 1
    assert progress.next_section == 1
    assert SectionRead.objects.count() == 1


@pytest.mark.django_db
def test_a_section_that_does_not_exist_is_refused(demo: object) -> None:
    course = _course()
    with pytest.raises(NotFound):
        section_read(actor=_actor("saku-counter"), course=course, number=len(course.sections) + 1)


@pytest.mark.django_db
def test_the_quiz_is_graded_on_the_server_and_every_attempt_kept(demo: object) -> None:
    actor, course = _actor("saku-health"), _course()
    quiz = quiz_for(course.quiz_slug)

    failed, grade1 = quiz_submit(actor=actor, course=course, answers=_answers(course, right=quiz.pass_mark - 1))
    passed, grade2 = quiz_submit(actor=actor, course=course, answers=_answers(course, right=quiz.pass_mark))

    assert (failed.score, failed.passed, grade1.passed) == (quiz.pass_mark - 1, False, False)
    assert (passed.score, passed.passed, grade2.passed) == (quiz.pass_mark, True, True)
    assert QuizAttempt.objects.filter(staff=_staff("saku-health")).count() == 2
    progress = progress_get(staff=_staff("saku-health"), course=course)
    assert progress.passed
    assert progress.best_score == quiz.pass_mark
    audited = AuditRecord.objects.filter(tag=LearningEvent.QUIZ_ATTEMPTED, chain_id="202177").order_by("seq")
    assert [r.data["passed"] for r in audited] == [False, True]


@pytest.mark.django_db
def test_an_incomplete_or_forged_answer_sheet_is_refused_and_not_stored(demo: object) -> None:
    course = _course()
    answers = _answers(course, right=8)
    first = next(iter(answers))
    for sheet in ({k: v for k, v in answers.items() if k != first}, {**answers, first: "z"}):
        with pytest.raises(Invalid) as refused:
            quiz_submit(actor=_actor("saku-health"), course=course, answers=sheet)
        assert refused.value.code == "learning.quiz.unanswered"
        assert refused.value.detail["questions"] == [first]
    assert not QuizAttempt.objects.exists()


@pytest.mark.django_db
def test_residents_cannot_take_courses(demo: object) -> None:
    resident = User.objects.create_user(username="resident-x", full_name="見本 住子")
    actor = Actor.for_user(resident, channel=Channel.WEB)
    with pytest.raises(PermissionDenied):
        section_read(actor=actor, course=_course(), number=1)
    with pytest.raises(PermissionDenied):
        quiz_submit(actor=actor, course=_course(), answers={})


@pytest.mark.django_db
def test_a_course_is_complete_only_with_every_page_the_quiz_and_the_simulator(demo: object) -> None:
    complete_course("saku-finance", simulator=False)
    progress = progress_get(staff=_staff("saku-finance"), course=_course())
    assert progress.all_read
    assert progress.passed
    assert not progress.complete

    activity_complete(actor=_actor("saku-finance"), activity="simulator")

    assert progress_get(staff=_staff("saku-finance"), course=_course()).complete


@pytest.mark.django_db
def test_no_badge_before_the_course_is_complete(demo: object) -> None:
    complete_course("saku-finance", simulator=False)
    with pytest.raises(Conflict) as refused:
        badge_issue(actor=_actor("saku-finance"), course=_course(), origin=ORIGIN)
    assert refused.value.code == "learning.badge.incomplete"
    assert not BadgeIssue.objects.exists()


def _decode(part: str) -> dict[str, object]:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))  # type: ignore[no-any-return]


@pytest.mark.django_db
def test_the_badge_is_a_signed_open_badge_naming_the_learner_only_by_name_and_keyed_hash(demo: object) -> None:
    # given a staff member who completed the course
    complete_course("saku-counter")
    user = User.objects.get(username="saku-counter")
    user.email = "sakura@example.lg.jp"
    user.save()

    # when the badge is issued (twice)
    badge = badge_issue(actor=_actor("saku-counter"), course=_course(), origin=ORIGIN)
    again = badge_issue(actor=_actor("saku-counter"), course=_course(), origin=ORIGIN)

    # then it is one badge, signed with the published key
    assert again.pk == badge.pk
    assert AuditRecord.objects.filter(tag=LearningEvent.BADGE_ISSUED).count() == 1
    published = openbadge.issuer_profile(openbadge.Issuer(f"{ORIGIN}/learning/issuer.json", "x", ORIGIN), badge_key())
    credential = openbadge.credential_verify(badge.jws, published["publicKey"])
    header = _decode(badge.jws.split(".")[0])
    assert header == {"alg": "EdDSA", "typ": "vc+jwt", "kid": published["publicKey"]["keys"][0]["kid"]}
    # and it carries the required Open Badges 3.0 fields
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert credential["@context"][1].startswith("https://purl.imsglobal.org/spec/ob/v3p0/context")
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"] == f"urn:uuid:{badge.pk}"
    assert credential["issuer"]["id"] == f"{ORIGIN}/learning/issuer.json"
    assert "Profile" in credential["issuer"]["type"]
    assert credential["validFrom"].endswith("Z")
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    achievement = subject["achievement"]
    assert achievement["id"] == f"{ORIGIN}/learning/mynumber-card/"
    assert achievement["type"] == ["Achievement"]
    assert achievement["name"] == "マイナンバーカードでできること"
    assert achievement["criteria"]["narrative"]
    assert achievement["description"]
    names = {i["identityType"]: i for i in subject["identifier"]}
    assert names["name"]["identityHash"] == "見本 さくら"
    assert names["identifier"]["hashed"] is True
    # and nothing else identifies the person
    payload = base64.urlsafe_b64decode(badge.jws.split(".")[1] + "==").decode()
    for secret in ("saku-counter", "sakura@example.lg.jp", user.public_id):
        assert secret not in payload


@pytest.mark.django_db
def test_a_tampered_badge_or_another_key_fails_verification(demo: object) -> None:
    complete_course("saku-counter")
    token = badge_issue(actor=_actor("saku-counter"), course=_course(), origin=ORIGIN).jws
    header, payload, signature = token.split(".")
    claims = _decode(payload)
    claims["name"] = "偽のバッジ"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    with pytest.raises(openbadge.BadgeError):
        openbadge.credential_verify(f"{header}.{forged}.{signature}", openbadge.jwks(badge_key()))
    other = openbadge.jwks(Ed25519PrivateKey.generate())
    with pytest.raises(openbadge.BadgeError):
        openbadge.credential_verify(token, other)


@pytest.mark.django_db
def test_the_database_refuses_impossible_rows(demo: object) -> None:
    staff = _staff("saku-counter")
    bad_rows = [
        {"score": 9, "total": 8, "pass_mark": 6, "passed": True},
        {"score": 7, "total": 8, "pass_mark": 6, "passed": False},
        {"score": 2, "total": 8, "pass_mark": 9, "passed": False},
    ]
    for row in bad_rows:
        with pytest.raises(IntegrityError), transaction.atomic():
            QuizAttempt.objects.create(staff=staff, course="mynumber-card", quiz="mynumber-card", **row)
    with pytest.raises(IntegrityError), transaction.atomic():
        SectionRead.objects.create(staff=staff, course="mynumber-card", section=0)
    SectionRead.objects.create(staff=staff, course="mynumber-card", section=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        SectionRead.objects.create(staff=staff, course="mynumber-card", section=1)
    attempt = QuizAttempt.objects.create(
        staff=staff, course="mynumber-card", quiz="mynumber-card", score=2, total=8, pass_mark=6, passed=False
    )
    with pytest.raises(IntegrityError), transaction.atomic():  # attempts are append-only (a trigger)
        QuizAttempt.objects.filter(pk=attempt.pk).update(score=8, passed=True)


@pytest.mark.django_db
def test_the_rollup_counts_per_department_and_town_for_the_towns_admin_only(demo: object) -> None:
    # given one finished staff member, one who started, and staff of another town who finished
    complete_course("saku-counter")
    badge_issue(actor=_actor("saku-counter"), course=_course(), origin=ORIGIN)
    section_read(actor=_actor("saku-health"), course=_course(), number=1)
    complete_course("komoro-counter")

    # when Saku's admin looks
    admin = staff_scope(user=User.objects.get(username="saku-admin"))
    rollup = learning_rollup(scope=admin, lg_code="202177", course=_course())

    # then the town and its departments are counted, and nobody of Komoro is in it
    total = len(_course().sections)
    assert rollup.town.staff == Staff.objects.filter(municipality_id="202177").count()
    assert (rollup.town.started, rollup.town.completed, rollup.town.badges) == (2, 1, 1)
    assert rollup.town.read == total + 1
    assert rollup.town.quiz_passed == 1
    assert rollup.town.activities == 1
    departments = dict(rollup.departments)
    assert departments["市民課"].completed == 1
    assert departments["市民課"].read_percent == 100
    assert departments["健康づくり課"].started == 1
    assert {row.name for row in rollup.rows} == set(
        Staff.objects.filter(municipality_id="202177").values_list("user__full_name", flat=True)
    )

    # and the admin of another town, or a non-admin of the same town, is refused
    for username in ("komoro-admin", "saku-counter", "agency"):
        with pytest.raises(PermissionDenied):
            learning_rollup(
                scope=staff_scope(user=User.objects.get(username=username)), lg_code="202177", course=_course()
            )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_badge_requests_issue_one_badge(demo: object) -> None:
    complete_course("saku-counter")
    actor, course = _actor("saku-counter"), _course()
    results = race(lambda _: badge_issue(actor=actor, course=course, origin=ORIGIN), n=2)
    errors = [r for r in results if isinstance(r, BaseException)]
    issued = [str(r.pk) for r in results if not isinstance(r, BaseException)]

    assert errors == []
    assert len(set(issued)) == 1
    assert BadgeIssue.objects.count() == 1
    assert AuditRecord.objects.filter(tag=LearningEvent.BADGE_ISSUED).count() == 1
