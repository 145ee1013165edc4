from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "gradphoto.reports"
    label = "reports"
