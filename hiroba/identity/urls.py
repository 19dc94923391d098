from django.urls import path

from hiroba.identity import views

urlpatterns = [
    path("signin/", views.sign_in, name="resident-sign-in"),
    path("signin/enroll/", views.enroll, name="resident-enroll"),
    path("signin/consent/", views.consent, name="resident-consent"),
    path("signin/digital-auth/start/", views.digital_auth_start, name="resident-digital-auth"),
    path("signin/digital-auth/callback/", views.digital_auth_callback, name="resident-digital-auth-callback"),
    path("signout/", views.sign_out, name="resident-sign-out"),
    path("session/extend/", views.session_extend, name="session-extend"),
    path("me/", views.me, name="resident-me"),
    path("me/delete/", views.delete_account, name="resident-delete"),
]
