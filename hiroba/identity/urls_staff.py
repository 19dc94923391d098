"""Staff and merchant sign-in, invitation links, own passkeys (see views_staff)."""

from django.urls import path

from hiroba.identity import views_staff

urlpatterns = [
    path("staff/login/", views_staff.staff_login, name="staff-login"),
    path("staff/logout/", views_staff.staff_logout, name="staff-logout"),
    path("staff/login/passkey/options/", views_staff.passkey_options, name="staff-passkey-options"),
    path("staff/login/passkey/verify/", views_staff.passkey_verify, name="staff-passkey-verify"),
    path("staff/invitation/<str:token>/", views_staff.invitation_page, name="staff-invitation"),
    path("staff/invitation/<str:token>/options/", views_staff.invitation_options, name="staff-invitation-options"),
    path("staff/invitation/<str:token>/verify/", views_staff.invitation_verify, name="staff-invitation-verify"),
    path("staff/passkeys/", views_staff.passkeys_page, name="staff-passkeys"),
    path("staff/passkeys/options/", views_staff.passkeys_add_options, name="staff-passkeys-options"),
    path("staff/passkeys/verify/", views_staff.passkeys_add_verify, name="staff-passkeys-verify"),
    path("staff/signout-everywhere/", views_staff.signout_everywhere, name="staff-signout-everywhere"),
    path("merchant/login/", views_staff.merchant_login, name="merchant-login"),
]
