from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "gradphoto.accounts"
    label = "accounts"
