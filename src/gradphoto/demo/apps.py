from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "gradphoto.demo"
    label = "demo"
