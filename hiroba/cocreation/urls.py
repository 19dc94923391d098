"""The co-creation pages."""

from django.urls import path

from hiroba.cocreation import views, views_requests

urlpatterns = [
    path("cocreation/", views.spaces_page, name="cocreation-spaces"),
    path("cocreation/search/", views.search_page, name="cocreation-search"),
    path("cocreation/s/<slug:slug>/", views.space_page, name="cocreation-space"),
    path("cocreation/i/<str:idea_id>/", views.idea_page, name="cocreation-idea"),
    path("cocreation/i/<str:idea_id>/edit/", views.idea_edit_page, name="cocreation-idea-edit"),
    path("cocreation/i/<str:idea_id>/files/<int:number>/", views.attachment_download, name="cocreation-attachment"),
    path("cocreation/problems/", views.problems_page, name="cocreation-problems"),
    path("cocreation/problems/<str:problem_id>/", views.problem_page, name="cocreation-problem"),
    path("cocreation/requests/", views_requests.tracker_page, name="cocreation-tracker"),
    path("cocreation/requests/inbox/", views_requests.agency_inbox_page, name="cocreation-inbox"),
    path("cocreation/follow/", views_requests.follow_view, name="cocreation-follow"),
    path("cocreation/notifications/", views_requests.notifications_page, name="cocreation-notifications"),
    path("cocreation/report/", views_requests.report_view, name="cocreation-report"),
    path("cocreation/moderation/", views_requests.moderation_page, name="cocreation-moderation"),
]
