from django.urls import path

from . import views

app_name = "records"

urlpatterns = [
    path("", views.staff_list, name="staff_list"),
]
