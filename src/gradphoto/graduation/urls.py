from django.urls import path

from . import public_views, student_views, views

app_name = "graduation"

urlpatterns = [
    # University staff (学历电子注册)
    path("graduation/", views.candidates, name="candidates"),
    path("graduation/register/", views.register, name="register"),
    path("graduation/upload/", views.upload, name="upload"),
    path("graduation/batches/<int:batch_id>/", views.batch, name="batch"),
    path("graduation/diplomas/", views.diplomas, name="diplomas"),
    path("graduation/diplomas/<int:diploma_id>/", views.diploma, name="diploma"),
    path("graduation/diplomas/<int:diploma_id>/photo.jpg", views.diploma_photo, name="diploma_photo"),
    path("graduation/records/<int:record_id>/recheck/", views.recheck, name="recheck"),
    path("graduation/settings/", views.school_settings, name="settings"),
    # The graduate's online verification reports (shown on 学历信息)
    path("xueli/diplomas/<int:diploma_id>/reports/", student_views.create, name="report_create"),
    path("xueli/reports/<int:report_id>/extend/", student_views.extend, name="report_extend"),
    path("xueli/reports/<int:report_id>/revoke/", student_views.revoke, name="report_revoke"),
    path("xueli/reports/<int:report_id>.pdf", student_views.pdf, name="report_pdf"),
    # Public verification, no login
    path("xueli/verify/", public_views.verify, name="verify"),
    path("xueli/verify/photo/<str:token>.jpg", public_views.verify_photo, name="verify_photo"),
    path("xueli/verify/<str:code>", public_views.verify_code, name="verify_code"),
]
