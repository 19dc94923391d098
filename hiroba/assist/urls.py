"""The assist app's pages: counter sessions, proxies, support measures, outreach."""

from django.urls import path

from hiroba.assist import views_resident, views_staff

urlpatterns = [
    path("assist/", views_resident.assist_page, name="resident-assist"),
    path("assist/proxy/<str:delegation_id>/", views_resident.proxy_page, name="resident-proxy"),
    path("staff/m/<str:lg_code>/assist/", views_staff.counter_page, name="staff-assist"),
    path("staff/m/<str:lg_code>/assist/s/<str:session_id>/", views_staff.session_page, name="staff-assist-session"),
    path(
        "staff/m/<str:lg_code>/assist/s/<str:session_id>/ended/",
        views_staff.session_ended_page,
        name="staff-assist-ended",
    ),
    path(
        "staff/m/<str:lg_code>/assist/s/<str:session_id>/receipt.pdf",
        views_staff.receipt_page,
        name="staff-assist-receipt",
    ),
    path("staff/m/<str:lg_code>/assist/residents/", views_staff.residents_page, name="staff-assist-residents"),
    path("staff/m/<str:lg_code>/assist/outreach/", views_staff.outreach_page, name="staff-assist-outreach"),
    path(
        "staff/m/<str:lg_code>/assist/outreach/export/",
        views_staff.outreach_export_page,
        name="staff-assist-outreach-export",
    ),
]
