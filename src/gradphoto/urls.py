from django.urls import include, path
from django.views.i18n import set_language

from gradphoto.common import views as common_views

urlpatterns = [
    path("", common_views.home, name="home"),
    path("healthz", common_views.healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("gradphoto.accounts.urls")),
    path("records/", include("gradphoto.records.urls")),
    path("photos/", include("gradphoto.photos.urls")),
    path("imports/", include("gradphoto.imports.urls")),
    path("corrections/", include("gradphoto.corrections.urls")),
    path("reports/", include("gradphoto.reports.urls")),
    path("linking/", include("gradphoto.linking.urls")),
    path("", include("gradphoto.verification.urls")),
    path("", include("gradphoto.graduation.urls")),  # graduation/…, xueli/reports/…, xueli/verify/…
    path("api/v1/", include("gradphoto.api.urls")),
]
