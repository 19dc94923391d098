"""The co-creation pages."""

from django.urls import path

from hiroba.cocreation import views

urlpatterns = [path("cocreation/search/", views.search_page, name="cocreation-search")]
