from django.urls import path

from . import views

app_name = "corrections"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("report/", views.report, name="report"),
    path("<int:application_id>/", views.detail, name="detail"),
    path("<int:application_id>/file/", views.file, name="file"),
    path("<int:application_id>/decide/", views.decide, name="decide"),
    path("<int:application_id>/form.pdf", views.pdf, name="pdf"),
    path("<int:application_id>/attach/", views.attach, name="attach"),
    path("<int:application_id>/attachments/<int:attachment_id>", views.attachment, name="attachment"),
]
