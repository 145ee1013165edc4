from django.apps import AppConfig


class CorrectionsConfig(AppConfig):
    name = "gradphoto.corrections"
    label = "corrections"
