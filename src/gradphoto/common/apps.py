from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "gradphoto.common"
    label = "common"
