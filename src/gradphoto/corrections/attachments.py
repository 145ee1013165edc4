"""Signed scans and evidence: type by content, size capped, stored content-addressed."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gradphoto.accounts.models import Role, User
from gradphoto.audit.services import audit_record
from gradphoto.common import clock
from gradphoto.common.errors import DomainError, NotAllowed, NotFound
from gradphoto.common.images import ImageRejected, check_image, store_content_addressed

from .access import get_application_for_user
from .models import Application, AppState, Attachment

MAX_BYTES = 10 * 1024 * 1024
STAFF = (Role.CENTRE_STAFF, Role.SERVICE_STAFF, Role.UNIVERSITY_STAFF)


def _content_type(data: bytes) -> tuple[str, str]:
    if data.startswith(b"%PDF-"):
        if b"/JavaScript" in data or b"/JS" in data or b"/Launch" in data:
            raise DomainError(_("PDF files with scripts are not accepted."), code="pdf_active_content")
        return "application/pdf", "pdf"
    try:
        fmt = check_image(data, formats=("JPEG", "PNG"), max_bytes=MAX_BYTES)
    except ImageRejected as error:
        raise DomainError(_("Upload a JPEG, PNG or PDF file."), code="attachment_type") from error
    return ("image/jpeg", "jpg") if fmt == "JPEG" else ("image/png", "png")


@transaction.atomic
@transaction.atomic
def attachment_add(*, user: User, application_id: int, kind: str, filename: str, upload: Any) -> Attachment:
    """Staff on the application's path attach evidence while it is still open. ``upload`` (an uploaded
    file: ``size`` and ``read()``) is read only once the user may attach and its declared size fits.
    The application is locked, so an attachment cannot land on one being applied; the same file of the
    same kind sent twice (a double submit) is kept once."""
    app = get_application_for_user(user, application_id)
    if app is None:
        raise NotFound(_("No such application."))
    if user.role not in STAFF:
        raise NotAllowed(_("Only staff attach documents."), code="staff_only")
    app = Application.objects.select_for_update().get(pk=app.pk)
    if app.state in (AppState.APPLIED, AppState.WITHDRAWN):
        raise NotAllowed(_("The application is closed."), code="closed")
    if (upload.size or 0) > MAX_BYTES:
        raise DomainError(_("The file is larger than 10 MB."), code="file_too_large")
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise DomainError(_("The file is larger than 10 MB."), code="file_too_large")
    content_type, extension = _content_type(data)
    stored, _digest = store_content_addressed(data, folder="attachments", extension=extension)
    if (same := app.attachments.filter(kind=kind, file=stored).first()) is not None:
        return same
    attachment = Attachment.objects.create(
        application=app,
        kind=kind,
        file=stored,
        filename=filename[:120],
        content_type=content_type,
        size_bytes=len(data),
        uploaded_by=user,
        uploaded_at=clock.now(),
    )
    audit_record(actor=user, action="application.attachment", obj=app, after={"kind": kind, "file": filename})
    return attachment


def attachment_for_user(user: User, application_id: int, attachment_id: int) -> Attachment | None:
    app: Application | None = get_application_for_user(user, application_id)
    if app is None:
        return None
    return app.attachments.filter(pk=attachment_id).first()
