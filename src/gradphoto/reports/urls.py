from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [path("progress/", views.progress, name="progress")]
