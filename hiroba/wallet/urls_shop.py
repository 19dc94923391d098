"""The shop owner's pages (see views_shop)."""

from django.urls import path

from hiroba.wallet import views_shop

urlpatterns = [
    path("shop/", views_shop.shop_home, name="shop-home"),
    path("shop/<str:merchant_id>/", views_shop.shop_detail, name="shop-detail"),
    path("shop/<str:merchant_id>/card/", views_shop.shop_card_pay, name="shop-card-pay"),
    path("shop/<str:merchant_id>/refund/", views_shop.shop_refund, name="shop-refund"),
    path("shop/<str:merchant_id>/poster.pdf", views_shop.shop_poster, name="shop-poster"),
    path("shop/<str:merchant_id>/statements/", views_shop.shop_statements, name="shop-statements"),
    path("shop/<str:merchant_id>/statements/<str:period>.<str:kind>", views_shop.shop_statement, name="shop-statement"),
]
