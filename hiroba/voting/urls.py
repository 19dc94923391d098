"""The public's and residents' voting pages: polls, boards, archives, the booth and the booth terminal."""

from django.urls import path

from hiroba.voting import views

urlpatterns = [
    path("polls/", views.polls_page, name="voting-polls"),
    path("polls/terminal/", views.terminal_page, name="voting-terminal"),
    path("polls/terminal/end/", views.terminal_end_page, name="voting-terminal-end"),
    path("polls/<str:uuid>/", views.board_page, name="voting-board"),
    path("polls/<str:uuid>/election.json", views.election_json_page, name="voting-election-json"),
    path("polls/<str:uuid>/archive.bel", views.archive_page, name="voting-archive"),
    path("polls/<str:uuid>/vote/", views.booth_page, name="voting-booth"),
    path("polls/<str:uuid>/vote/done/", views.booth_done_page, name="voting-booth-done"),
    path("staff/m/<str:lg_code>/polls/terminal/", views.terminal_setup_page, name="staff-voting-terminal"),
]
