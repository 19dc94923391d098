"""Staff finance pages: a town's wallet and an area's settlements."""

from django.urls import path

from hiroba.wallet import views_staff

urlpatterns = [
    path("staff/m/<str:lg_code>/wallet/", views_staff.wallet_page, name="staff-wallet"),
    path("staff/m/<str:lg_code>/wallet/cards/", views_staff.cards_page, name="staff-wallet-cards"),
    path("staff/a/<slug:slug>/settlements/", views_staff.settlements_page, name="staff-settlements"),
    path(
        "staff/a/<slug:slug>/settlements/<str:period>/files/<str:name>",
        views_staff.settlement_file,
        name="staff-settlement-file",
    ),
]
