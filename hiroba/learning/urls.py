"""The learning pages, the public issuer profile, and the municipality admin's roll-up."""

from django.urls import path, register_converter

from hiroba.learning import views
from hiroba.learning.catalog import RESERVED_SLUGS


class CourseSlug:
    """A course slug; never one of the names under /learning/ that belong to other pages (the card simulator's
    /learning/simulator/ is included after these patterns)."""

    regex = "(?!(?:" + "|".join(sorted(RESERVED_SLUGS)) + ")/)[a-z0-9][a-z0-9-]*"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CourseSlug, "course")

urlpatterns = [
    path("learning/", views.home_page, name="learning-home"),
    path("learning/issuer.json", views.issuer_json, name="learning-issuer"),
    path("learning/<course:slug>/", views.course_page, name="learning-course"),
    path("learning/<course:slug>/<int:number>/", views.section_page, name="learning-section"),
    path("learning/<course:slug>/quiz/", views.quiz_page, name="learning-quiz"),
    path("learning/<course:slug>/badge/", views.badge_page, name="learning-badge"),
    path("learning/<course:slug>/badge.jwt", views.badge_jwt, name="learning-badge-jwt"),
    path("learning/<course:slug>/badge.json", views.badge_json, name="learning-badge-json"),
    path("staff/m/<str:lg_code>/learning/", views.rollup_page, name="staff-learning"),
]
