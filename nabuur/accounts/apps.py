from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "nabuur.accounts"
    label = "accounts"
