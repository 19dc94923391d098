"""The election committee's pages and the trustees' links."""

from django.urls import path

from hiroba.voting import views_committee, views_trustee

urlpatterns = [
    path("staff/m/<str:lg_code>/polls/", views_committee.polls_page, name="staff-voting-polls"),
    path("staff/m/<str:lg_code>/polls/new/", views_committee.poll_create_page, name="staff-voting-create"),
    path("staff/m/<str:lg_code>/polls/<str:uuid>/", views_committee.poll_page, name="staff-voting-poll"),
    path(
        "staff/m/<str:lg_code>/polls/<str:uuid>/questions/",
        views_committee.questions_page,
        name="staff-voting-questions",
    ),
    path("staff/m/<str:lg_code>/polls/<str:uuid>/voters/", views_committee.voters_page, name="staff-voting-voters"),
    path(
        "staff/m/<str:lg_code>/polls/<str:uuid>/trustees/",
        views_committee.trustees_page,
        name="staff-voting-trustees",
    ),
    path("polls/trustee/<str:token>/", views_trustee.trustee_page, name="voting-trustee"),
]
