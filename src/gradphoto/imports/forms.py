from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class RecordsUploadForm(forms.Form):
    file = forms.FileField(label=_("学籍 file (CSV or XLSX)"))
    admission_photos = forms.FileField(label=_("Admission photos (ZIP, optional)"), required=False)


class PhotosUploadForm(forms.Form):
    file = forms.FileField(label=_("Photo batch (ZIP with manifest.csv or manifest.xlsx)"))
