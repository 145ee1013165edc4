from django.apps import AppConfig


class LinkingConfig(AppConfig):
    name = "gradphoto.linking"
    label = "linking"
