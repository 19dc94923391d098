"""Workshop pages and the peer directory (staff of municipalities and the agency)."""

from django.urls import path

from hiroba.cocreation import views_directory, views_workshops

urlpatterns = [
    path("cocreation/workshops/", views_workshops.workshops_page, name="cocreation-workshops"),
    path("cocreation/workshops/<str:workshop_id>/", views_workshops.workshop_page, name="cocreation-workshop"),
    path(
        "cocreation/workshops/<str:workshop_id>/manage/",
        views_workshops.workshop_manage_page,
        name="cocreation-workshop-manage",
    ),
    path(
        "cocreation/workshops/<str:workshop_id>/teams/<str:team_id>/",
        views_workshops.team_page,
        name="cocreation-workshop-team",
    ),
    path(
        "cocreation/workshops/<str:workshop_id>/facilitator/",
        views_workshops.facilitator_page,
        name="cocreation-workshop-facilitator",
    ),
    path(
        "cocreation/workshops/<str:workshop_id>/outcomes/",
        views_workshops.outcomes_page,
        name="cocreation-workshop-outcomes",
    ),
    path("cocreation/people/", views_directory.directory_page, name="cocreation-directory"),
    path("cocreation/people/me/", views_directory.profile_edit_page, name="cocreation-profile-edit"),
    path("cocreation/people/<str:public_id>/", views_directory.profile_page, name="cocreation-profile"),
]
