from django.apps import AppConfig


class PhotosConfig(AppConfig):
    name = "gradphoto.photos"
    label = "photos"
