"""Freezing the diploma photo: a copy of the bytes under its own content-addressed name, ``diplomas/…``.

The copies run on a small thread pool while the registering transaction writes its rows: the threads
only read and write files (no database), and file I/O releases the GIL. The name of a copy follows from
the photo's sha256, so the diploma rows are written before the copies finish; a copy that fails (the
source file is missing or its bytes no longer match the sha256) makes the caller roll the chunk back.

On the file system (the default storage) a copy is written directly, to a temporary name renamed into
place: `Storage.save` costs three times the CPU (existence checks, a lock, name generation), which is a
third of a 100,000-graduate registration (bench/graduation.py). Other storages go through
`store_content_addressed`. Either way an existing copy is never rewritten.
"""

from __future__ import annotations

import hashlib
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from django.core.files.storage import FileSystemStorage, default_storage

from gradphoto.common.images import store_content_addressed
from gradphoto.photos.models import Photo

FOLDER = "diplomas"
THREADS = 4


def frozen_name(sha256: str) -> str:
    """Where the copy of a photo lives (the naming of `store_content_addressed`)."""
    return f"{FOLDER}/{sha256[:2]}/{sha256[2:4]}/{sha256}.jpg"


def _copy(photo_id: int, source: str, sha256: str) -> int | None:
    """Copy one photo; the photo's id when the copy could not be made, else None."""
    try:
        with default_storage.open(source, "rb") as handle:
            data = handle.read()
    except OSError:
        return photo_id
    if hashlib.sha256(data).hexdigest() != sha256:
        return photo_id
    if isinstance(default_storage, FileSystemStorage):
        path = Path(default_storage.path(frozen_name(sha256)))
        _write_file(path, data, default_storage.file_permissions_mode)
        return None
    name, _digest = store_content_addressed(data, folder=FOLDER, extension="jpg")
    return None if name == frozen_name(sha256) else photo_id


def _write_file(path: Path, data: bytes, mode: int | None) -> None:
    """Create ``path`` with ``data`` unless it exists; readers never see a partial file."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(temporary, "xb") as handle:
        handle.write(data)
    if mode is not None:
        os.chmod(temporary, mode)
    os.replace(temporary, path)  # a concurrent copy of the same bytes is the same file


def _copy_all(items: list[tuple[int, str, str]]) -> set[int]:
    return {pk for pk in (_copy(*item) for item in items) if pk is not None}


class Freezer:
    """Copies photos in the background; `failures()` waits and names the photos that could not be copied."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="freeze")
        self._pending: list[Future[set[int]]] = []

    def start(self, photos: list[Photo]) -> None:
        # Plain values go to the threads, never model instances; one slice of the photos per thread.
        items = [(p.pk, p.file, p.sha256) for p in photos]
        self._pending = [
            self._pool.submit(_copy_all, items[n::THREADS]) for n in range(THREADS) if items[n::THREADS]
        ]

    def failures(self) -> set[int]:
        failed: set[int] = set()
        for future in self._pending:
            failed |= future.result()
        self._pending = []
        return failed

    def close(self) -> None:
        self._pool.shutdown(wait=True)
