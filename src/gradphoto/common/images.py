"""Safe decoding of uploaded images (RELIABILITY.md §2.5): type by content, size and pixel caps."""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from typing import Any

from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, default_storage
from django.utils.translation import gettext as _
from PIL import Image

from .errors import DomainError

MAX_PIXELS = 40_000_000


class ImageRejected(DomainError):
    code = "image_rejected"


def check_image(data: bytes, *, formats: tuple[str, ...], max_bytes: int) -> str:
    """The Pillow format name of a decodable image, or ImageRejected; nothing is repaired."""
    if len(data) > max_bytes:
        raise ImageRejected(
            _("The file is larger than %(kb)d KB.") % {"kb": max_bytes // 1024}, code="file_too_large"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in formats:
                    raise ImageRejected(_("The file must be a JPEG or PNG image."), code="wrong_type")
                if image.width * image.height > MAX_PIXELS:
                    raise ImageRejected(_("The image has too many pixels."), code="too_many_pixels")
                image.load()
                return str(image.format)
    except ImageRejected:
        raise
    except (
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as e:
        raise ImageRejected(_("The file is not a readable image."), code="not_an_image") from e


def store_content_addressed(data: bytes, *, folder: str, extension: str) -> tuple[str, str]:
    """Save bytes under their sha256 (idempotent); return (storage name, sha256).

    Bytes stored before (an expired or refused photo's file, not yet swept) are touched: `gradphoto
    sweep-files` spares a file younger than its grace period, and the row about to name it is not written
    yet.
    """
    digest = hashlib.sha256(data).hexdigest()
    name = f"{folder}/{digest[:2]}/{digest[2:4]}/{digest}.{extension}"
    if not (default_storage.exists(name) and _touched(name)):
        saved = default_storage.save(name, ContentFile(data))
        if saved != name:  # a concurrent writer stored the same bytes first
            default_storage.delete(saved)
    return name, digest


def _touched(name: str) -> bool:
    """Set a stored file's modification time to now, where the storage is a file system; False when the
    file was swept away meanwhile (then it is stored again)."""
    if not isinstance(default_storage, FileSystemStorage):
        return True  # an object store: its lifecycle rules, not sweep-files, apply there
    try:
        os.utime(default_storage.path(name))
    except FileNotFoundError:
        return False
    return True


def store_upload_content_addressed(upload: Any, *, folder: str, extension: str) -> tuple[str, str, int]:
    """`store_content_addressed` for an uploaded file, streamed: hashed chunk by chunk, then saved from
    the file itself, so a 2 GB photo batch never sits in memory. Returns (storage name, sha256, size)."""
    digest, size = hashlib.sha256(), 0
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    hexdigest = digest.hexdigest()
    name = f"{folder}/{hexdigest[:2]}/{hexdigest[2:4]}/{hexdigest}.{extension}"
    if not (default_storage.exists(name) and _touched(name)):
        upload.seek(0)
        saved = default_storage.save(name, File(upload))
        if saved != name:  # a concurrent writer stored the same bytes first
            default_storage.delete(saved)
    return name, hexdigest, size
