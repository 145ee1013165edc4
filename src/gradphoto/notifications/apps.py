from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "gradphoto.notifications"
    label = "notifications"
