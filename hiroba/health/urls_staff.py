"""A town's health staff pages."""

from django.urls import path

from hiroba.health import views_staff

urlpatterns = [
    path("staff/m/<str:lg_code>/health/rules/", views_staff.rules_page, name="staff-health-rules"),
    path("staff/m/<str:lg_code>/health/review/", views_staff.review_page, name="staff-health-review"),
    path("staff/m/<str:lg_code>/health/", views_staff.dashboard_page, name="staff-health"),
    path("staff/m/<str:lg_code>/health/imports/", views_staff.imports_page, name="staff-health-imports"),
    path("staff/agency/health/", views_staff.agency_page, name="agency-health"),
]
