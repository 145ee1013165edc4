"""The public verification page, no login: a code (or its QR URL), certificate number + name, or a batch."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from gradphoto.common.errors import DomainError
from gradphoto.common.tabular import decode_text

from .forms import BatchForm, CertificateForm, CodeForm
from .models import VerificationReport
from .public import (
    RateLimited,
    client_ip,
    lookup_batch,
    lookup_certificate,
    lookup_code,
    photo_token,
    report_for_photo_token,
)
from .rules import setting

MAX_TXT_BYTES = 16 * 1024


def _page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    base = {
        "code_form": CodeForm(),
        "certificate_form": CertificateForm(),
        "batch_form": BatchForm(),
        "kind": "",
        "limit": setting("VERIFY_LOOKUPS_PER_WINDOW"),
        "minutes": setting("VERIFY_WINDOW_MINUTES"),
    }
    response = render(request, "graduation/verify.html", {**base, **context}, status=status)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _report_context(report: VerificationReport | None) -> dict[str, Any]:
    if report is None:
        return {"kind": "code", "report": None, "invalid": True}
    return {"kind": "code", "report": report, "diploma": report.diploma, "photo_token": photo_token(report)}


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request, {})
    kind = request.POST.get("kind", "")
    handler = {"code": _by_code, "certificate": _by_certificate, "batch": _by_batch}.get(kind)
    if handler is None:
        return _page(request, {}, status=400)
    try:
        return handler(request)
    except RateLimited as error:
        return _page(request, {"kind": kind, "limited": error.message}, status=429)


def _by_code(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _page(request, {"kind": "code", "code_form": form})
    report = lookup_code(ip=client_ip(request), raw_code=form.cleaned_data["code"])
    return _page(request, {"code_form": CodeForm(), **_report_context(report)})


def _by_certificate(request: HttpRequest) -> HttpResponse:
    form = CertificateForm(request.POST)
    if not form.is_valid():
        return _page(request, {"kind": "certificate", "certificate_form": form})
    outcome = lookup_certificate(
        ip=client_ip(request),
        certificate_no=form.cleaned_data["certificate_no"],
        name=form.cleaned_data["name"],
    )
    # A fresh form: the answer page is byte-for-byte the same for an unknown number and a wrong name.
    return _page(request, {"kind": "certificate", "outcome": outcome})


def _by_batch(request: HttpRequest) -> HttpResponse:
    form = BatchForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, {"kind": "batch", "batch_form": form})
    text, upload = form.cleaned_data["text"], form.cleaned_data["file"]
    if upload is not None:
        data = upload.read(MAX_TXT_BYTES + 1)
        try:
            if len(data) > MAX_TXT_BYTES:
                raise DomainError(code="too_large")
            text, _encoding = decode_text(data)
        except DomainError:
            return _page(request, {"kind": "batch", "batch_form": form, "bad_file": True})
    lines = lookup_batch(ip=client_ip(request), text=text)
    return _page(request, {"kind": "batch", "lines": lines, "batch_form": form})


@require_GET
def verify_code(request: HttpRequest, code: str) -> HttpResponse:
    """The URL of the QR code: the report while the code is valid."""
    try:
        report = lookup_code(ip=client_ip(request), raw_code=code[:40])
    except RateLimited as error:
        return _page(request, {"kind": "code", "limited": error.message}, status=429)
    return _page(request, _report_context(report))


@require_GET
def verify_photo(request: HttpRequest, token: str) -> HttpResponseBase:
    """The frozen photo of a report just shown: the signed token expires, and so does the code."""
    report = report_for_photo_token(token)
    if report is None:
        raise Http404
    name = report.diploma.photo_file
    if not default_storage.exists(name):
        raise Http404
    response = FileResponse(default_storage.open(name, "rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response
