"""The resident's wallet pages."""

from django.urls import path

from hiroba.wallet import views_resident as views

urlpatterns = [
    path("wallet/", views.wallet_home, name="wallet-home"),
    path("wallet/convert/", views.wallet_convert, name="wallet-convert"),
    path("wallet/pay/", views.wallet_pay, name="wallet-pay"),
    path("wallet/pay/receipt/", views.wallet_receipt, name="wallet-receipt"),
    path("wallet/code/", views.wallet_code, name="wallet-code"),
]
