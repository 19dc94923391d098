"""The card simulator's pages (staff only)."""

from django.urls import path

from hiroba.learning.simulator import views

urlpatterns = [
    path("learning/simulator/", views.home_page, name="simulator-home"),
    path("learning/simulator/w/<str:walk_id>/", views.walk_page, name="simulator-walk"),
    path("learning/simulator/w/<str:walk_id>/step/<int:number>/", views.step_page, name="simulator-step"),
    path("learning/simulator/w/<str:walk_id>/counter/", views.counter_page, name="simulator-counter"),
]
