from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import IdType


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("E-mail, ID number or mobile number"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class RegistrationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), help_text=_("We send the activation link here."))
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters."),
    )
    password2 = forms.CharField(
        label=_("Password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    real_name = forms.CharField(
        label=_("Real name"),
        max_length=40,
        help_text=_("Exactly as on your ID card: the same characters, no pinyin."),
    )
    id_type = forms.ChoiceField(label=_("Document type"), choices=IdType.choices, initial=IdType.RESIDENT)
    id_number = forms.CharField(label=_("Document number"), max_length=20)
    mobile = forms.RegexField(
        label=_("Mobile number"),
        regex=r"^1\d{10}$",
        max_length=11,
        error_messages={"invalid": _("Enter an 11-digit mobile number.")},
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        elif data.get("password"):
            try:
                password_validation.validate_password(data["password"])
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data


class SchoolChoiceForm(forms.Form):
    school = forms.IntegerField(widget=forms.HiddenInput)


class IdPhotoForm(forms.Form):
    id_photo = forms.FileField(label=_("Photo of your ID card (JPEG or PNG, at most 2 MB)"))


class IdentityCorrectionForm(forms.Form):
    real_name = forms.CharField(label=_("Correct name"), max_length=40)
    id_number = forms.CharField(label=_("Correct ID number"), max_length=20)
    reason = forms.CharField(
        label=_("What was wrong"), widget=forms.Textarea(attrs={"rows": 3}), max_length=500
    )
    id_photo = forms.FileField(label=_("Photo of your ID card (JPEG or PNG, at most 2 MB)"))


class ReviewDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
