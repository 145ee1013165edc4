from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import operator_views, views
from .forms import LoginForm

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("register/", views.register, name="register"),
    path("register/done/", views.register_done, name="register_done"),
    path("activate/<str:uidb64>/<str:token>/", views.activate, name="activate"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            success_url=reverse_lazy("accounts:password_reset_done"),
            email_template_name="registration/password_reset_email.txt",
        ),
        name="password_reset",
    ),
    path("password-reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("accounts:password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("", views.account, name="account"),
    path("person-check/", views.person_check, name="person_check"),
    path("person-check/id-photo/", views.person_check_id_photo, name="person_check_id_photo"),
    path("identity-correction/", views.identity_correction, name="identity_correction"),
    path("reviews/", operator_views.reviews, name="reviews"),
    path("reviews/<int:review_id>/", operator_views.review_detail, name="review_detail"),
    path("reviews/<int:review_id>/id-photo", operator_views.review_photo, name="review_photo"),
]
