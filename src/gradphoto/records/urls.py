from django.urls import path

from . import views

app_name = "records"

urlpatterns = [
    path("", views.staff_list, name="staff_list"),
    path("<int:record_id>/admission.jpg", views.admission_photo, name="admission_photo"),
]
