"""Channels beyond e-mail: the resident's contact choice, the kiosk, batch letters."""

from django.urls import path

from hiroba.assist import views_channels as views

urlpatterns = [
    path("assist/contact/", views.contact_page, name="assist-contact"),
    path("kiosk/", views.kiosk_page, name="kiosk"),
    path("kiosk/balance/", views.kiosk_balance_page, name="kiosk-balance"),
    path("staff/m/<str:lg_code>/assist/letters/", views.letters_page, name="staff-assist-letters"),
]
