from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.imports, name="list"),
    path("<int:job_id>/", views.detail, name="detail"),
    path("<int:job_id>/report.xlsx", views.report, name="report"),
    path("<int:job_id>/retry", views.retry, name="retry"),
]
