from django.urls import path

from . import views

app_name = "linking"

urlpatterns = [
    path("records/<int:record_id>/search/", views.search, name="search"),
    path("searches/<uuid:token>/", views.search_results, name="search_results"),
    path("searches/<uuid:token>/<int:rank>.jpg", views.thumbnail, name="thumbnail"),
    path("searches/<uuid:token>/<int:rank>/claim/", views.claim, name="claim"),
    path("claims/<int:claim_id>/cancel/", views.claim_cancel, name="claim_cancel"),
    path("queue/", views.work_queue, name="queue"),
    path("suggestions/<int:suggestion_id>/", views.suggestion_decide, name="suggestion_decide"),
    path("claims/<int:claim_id>/", views.claim_decide, name="claim_decide"),
]
