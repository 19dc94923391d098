"""The credential authority's pages (Role.CREDENTIALS of the town)."""

from django.urls import URLPattern, path

from hiroba.voting import views_authority

urlpatterns: list[URLPattern] = [
    path("staff/m/<str:lg_code>/polls/credentials/", views_authority.polls_page, name="staff-voting-authority"),
    path(
        "staff/m/<str:lg_code>/polls/<str:uuid>/credentials/",
        views_authority.credentials_page,
        name="staff-voting-credentials",
    ),
]
