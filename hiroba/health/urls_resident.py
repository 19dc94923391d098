"""The resident's health page."""

from django.urls import path

from hiroba.health import views_resident as views

urlpatterns = [
    path("health/", views.health_home, name="health-home"),
    path("health/upload/", views.health_upload, name="health-upload"),
    path("health/consent/", views.health_consent, name="health-consent"),
    path("health/delete-steps/", views.health_delete_steps, name="health-delete-steps"),
    path("health/partners/", views.health_partner_link, name="health-partner-link"),
]
