from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "gradphoto.organisations"
    label = "organisations"
