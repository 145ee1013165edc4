from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "gradphoto.audit"
    label = "audit"
