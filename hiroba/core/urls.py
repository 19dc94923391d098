from django.urls import path

from hiroba.core import views

urlpatterns = [
    path("text-size/", views.text_size_set, name="text-size"),
    path("accessibility/", views.accessibility_policy, name="accessibility"),
]
