from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Completion, SchoolType
from .rules import EDITABLE_FIELDS, validity_options


class DateInput(forms.DateInput):
    input_type = "date"


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Student number or name"), required=False, max_length=40)
    major = forms.CharField(label=_("Major"), required=False, max_length=50)
    level = forms.CharField(label=_("Level"), required=False, max_length=20)
    include_done = forms.BooleanField(label=_("Also show registered and other statuses"), required=False)


class RegisterForm(forms.Form):
    graduated_on = forms.DateField(
        label=_("Date of graduation (发证日期)"),
        required=False,
        widget=DateInput,
        help_text=_("Empty: each record's expected graduation date. Public query starts on this date."),
    )
    completion = forms.ChoiceField(
        label=_("毕(结)业"), choices=Completion.choices, initial=Completion.GRADUATED
    )
    school_type = forms.ChoiceField(label=_("School type (6th digit)"), choices=SchoolType.choices)
    override_reason = forms.CharField(
        label=_("School override for students who have not verified their photo (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Only when the school has checked the photo itself; the reason is kept with each diploma."
        ),
    )


class UploadForm(RegisterForm):
    file = forms.FileField(label=_("File of student numbers (one per line, or CSV/XLSX with column XH)"))


class SettingsForm(forms.Form):
    president_name = forms.CharField(label=_("President's name (校(院)长姓名)"), max_length=40)
    school_type = forms.ChoiceField(label=_("Default school type"), choices=SchoolType.choices)


class RecheckForm(forms.Form):
    reason = forms.CharField(
        label=_("How the school verified the student's identity"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DiplomaForm(forms.Form):
    """The editable diploma fields; `reason` is required for an erratum."""

    reason = forms.CharField(
        label=_("Reason for the erratum"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, diploma: Any = None, erratum: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not erratum:
            del self.fields["reason"]
        for name, label in EDITABLE_FIELDS.items():
            if name == "completion":
                field: forms.Field = forms.ChoiceField(label=label, choices=Completion.choices)
            else:
                field = forms.CharField(label=label, max_length=200, required=name != "remarks")
            if diploma is not None:
                value = getattr(diploma, name)
                field.initial = f"{value:%Y-%m-%d}" if hasattr(value, "strftime") else value
            self.fields[name] = field
        self.order_fields([*EDITABLE_FIELDS, "reason"])

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}


class ReportForm(forms.Form):
    validity_days = forms.TypedChoiceField(label=_("Valid for"), coerce=int, choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["validity_days"].choices = [  # type: ignore[attr-defined]
            (d, _("%(days)s days") % {"days": d}) for d in validity_options()
        ]


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Online verification code (在线验证码)"), max_length=40)


class CertificateForm(forms.Form):
    certificate_no = forms.CharField(label=_("Certificate number (证书编号)"), max_length=30)
    name = forms.CharField(label=_("Name (姓名)"), max_length=40)


class BatchForm(forms.Form):
    text = forms.CharField(
        label=_("Up to 20 lines of 姓名;证书编号"),
        required=False,
        max_length=16 * 1024,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    file = forms.FileField(label=_("or a .txt file"), required=False)
