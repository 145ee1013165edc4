from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "gradphoto.records"
    label = "records"
