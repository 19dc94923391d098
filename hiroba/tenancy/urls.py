from django.urls import path

from hiroba.tenancy import views

urlpatterns = [
    path("", views.home, name="home"),
    path("m/<str:lg_code>/", views.municipality_page, name="municipality"),
    path("a/<slug:slug>/", views.area_page, name="area"),
    path("staff/", views.staff_home, name="staff-home"),
    path("staff/platform/", views.platform_page, name="staff-platform"),
    path("staff/m/<str:lg_code>/staff/", views.staff_list_page, name="staff-list"),
    path("staff/m/<str:lg_code>/roles/<int:grant_id>/end/", views.role_end_page, name="staff-role-end"),
    path("staff/m/<str:lg_code>/audit/", views.audit_page, name="staff-audit"),
]
