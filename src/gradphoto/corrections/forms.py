from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AttachmentKind


class ReportForm(forms.Form):
    record = forms.IntegerField(widget=forms.HiddenInput)
    form_type = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("What is wrong (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FileForm(forms.Form):
    counterpart_student_no = forms.CharField(label=_("Student number of the other student"), required=False)
    wrong_name = forms.CharField(label=_("Name printed on the paper photo"), required=False, max_length=40)
    wrong_id_number = forms.CharField(
        label=_("ID number printed on the paper photo"), required=False, max_length=20
    )
    collection_no = forms.CharField(label=_("Collection number of the unlinked photo"), required=False)
    new_photo = forms.FileField(label=_("Correct e-photo (JPEG 480×640)"), required=False)
    erratum_name = forms.CharField(label=_("Correct name"), required=False, max_length=40)
    erratum_id_number = forms.CharField(label=_("Correct ID number"), required=False, max_length=20)
    erratum_major = forms.CharField(label=_("Correct major"), required=False, max_length=50)
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def details(self) -> dict:
        data = dict(self.cleaned_data)
        photo = data.pop("new_photo", None)
        data["new_photo"] = photo.read() if photo else None
        data["erratum"] = {k: data.pop(f"erratum_{k}") for k in ("name", "id_number", "major")}
        return data


class DecisionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[(a, a) for a in ("forward", "approve", "reject", "fee_paid", "withdraw")]
    )
    note = forms.CharField(label=_("Note or reason"), required=False, max_length=500)


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AttachmentKind.choices)
    file = forms.FileField(label=_("File (JPEG, PNG or PDF, at most 10 MB)"))
