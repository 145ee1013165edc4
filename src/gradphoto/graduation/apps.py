from django.apps import AppConfig


class GraduationConfig(AppConfig):
    name = "gradphoto.graduation"
    label = "graduation"
