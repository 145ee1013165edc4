from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "gradphoto.verification"
    label = "verification"
