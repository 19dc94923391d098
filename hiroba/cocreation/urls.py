"""The co-creation pages."""

from django.urls import path

from hiroba.cocreation import views

urlpatterns = [
    path("cocreation/", views.spaces_page, name="cocreation-spaces"),
    path("cocreation/search/", views.search_page, name="cocreation-search"),
    path("cocreation/s/<slug:slug>/", views.space_page, name="cocreation-space"),
    path("cocreation/i/<str:idea_id>/", views.idea_page, name="cocreation-idea"),
    path("cocreation/problems/", views.problems_page, name="cocreation-problems"),
    path("cocreation/problems/<str:problem_id>/", views.problem_page, name="cocreation-problem"),
]
