from django.apps import AppConfig


class WalletConfig(AppConfig):
    name = "hiroba.wallet"
    label = "wallet"
