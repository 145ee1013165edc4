from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "gradphoto.imports"
    label = "imports"
