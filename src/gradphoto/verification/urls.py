from django.urls import path

from . import views

app_name = "verification"

urlpatterns = [
    path("xueji/", views.records, name="records"),
    path("xueji/<int:record_id>/verdict/", views.verdict, name="verdict"),
    path("xueli/", views.diploma, name="diploma"),
]
