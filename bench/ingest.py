"""Photo-batch ingest end to end, beside the decode-only rate of the same files in the same run.

Run by hand: .venv/bin/python bench/ingest.py [PHOTOS]
Target (ISSUE 3): the whole import at >= 0.25x the decode-only rate on a 2-core machine, both cores used.

Besides the two rates it prints where the time goes, per photo: the steps of the photo check measured one
by one in this process on a sample (decode, faces, other checks, thumbnail; they add up to check_photo),
and the storage, database, linking and audit work the import's main process did (wall time of its
_store, stage and publish calls), with how many photos the quick path accepted.
"""

from __future__ import annotations

import io
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
from _setup import django_in_temp_home
from PIL import Image

SAMPLE = 40
WARM_UP = 32  # photos imported first, unmeasured: the worker process as it is after its first job


def decode_only(photos: list[bytes]) -> float:
    started = time.perf_counter()
    for data in photos:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    return time.perf_counter() - started


def _timed(spent: Counter[str], key: str, step: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    value = step()
    spent[key] += time.perf_counter() - started
    return value


def _steps(data: bytes, spent: Counter[str]) -> None:
    """The quick path's pieces for one photo, each timed on its own."""
    from gradphoto.photos import faces, standard

    profile = standard.PhotoProfile()

    def decode() -> Image.Image:
        image = Image.open(io.BytesIO(data))
        image.draft("RGB", (profile.width // 2, profile.height // 2))
        image.load()
        return image

    half = _timed(spent, "decode (half size, JPEG draft)", decode)
    pixels = np.asarray(half)
    bounds = standard.quick_bounds(profile)
    rows = faces.zone_rows(bounds["eye_line"], bounds["face_width"][1], 2)

    def find() -> None:
        boxes = faces.faces_in_rows(pixels, *rows)
        faces.landmarks(pixels, boxes[0])

    _timed(spent, "faces (zone search, landmarks)", find)
    _timed(spent, "thumbnail", lambda: standard.thumbnail(half.reduce(2)))


def profile_checks(photos: list[bytes]) -> dict[str, float]:
    """Milliseconds per photo of each step in one process, on a sample; "other checks" is the rest.

    The models are loaded first; each step's time is the lower of two passes over the sample.
    """
    from gradphoto.photos import faces, standard

    faces.load_for_workers()
    passes: list[Counter[str]] = [Counter(), Counter()]
    for spent in passes:
        for data in photos[:SAMPLE]:
            result = _timed(spent, "check_photo", lambda data=data: standard.check_photo(data))
            assert result.ok, result.rejections
            _steps(data, spent)
    best = {key: min(spent[key] for spent in passes) for key in passes[0]}
    per_photo = {key: seconds / min(SAMPLE, len(photos)) * 1000 for key, seconds in best.items()}
    total = per_photo.pop("check_photo")
    per_photo["other checks (bytes, header, quality, background, hair, EXIF)"] = max(
        total - sum(per_photo.values()), 0
    )
    per_photo["check_photo in all"] = total
    return per_photo


def timing_store(spent: Counter[str]) -> None:
    """Wrap the import's storage steps (files, staged rows, publishing) to add up their wall time."""
    from gradphoto.photos import importer, staging

    for module, name in ((importer, "_store"), (staging, "stage"), (staging, "publish")):
        real = getattr(module, name)

        def wrapped(*args: Any, _real: Any = real, **kwargs: Any) -> Any:
            return _timed(spent, "store", lambda: _real(*args, **kwargs))

        setattr(module, name, wrapped)


def batches(count: int) -> tuple[Any, list[bytes], bytes, bytes]:
    """The agency, the measured batch's photos, the warm-up batch and the measured batch (other photos)."""
    from gradphoto.common.testing import make_record
    from gradphoto.demo.portrait import photo_set
    from gradphoto.imports.testing import batch_zip, photo_row
    from gradphoto.organisations.models import Organisation, OrgKind
    from gradphoto.organisations.services import schools_load_reference

    schools_load_reference()
    school = Organisation.objects.get(code="10001")
    agency = Organisation.objects.create(kind=OrgKind.AGENCY, code="xinhua-bj", name="新华社北京分社")
    photos = photo_set(count + WARM_UP)

    def batch(first: int, size: int) -> bytes:
        rows = [photo_row(make_record(school), n) for n in range(first, first + size)]
        return batch_zip(rows, {row["ZPWJ"]: photos[first + n] for n, row in enumerate(rows)})

    return agency, photos[:count], batch(count, WARM_UP), batch(0, count)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    django_in_temp_home()
    from gradphoto.imports.services import job_create, job_run
    from gradphoto.photos.models import Photo

    agency, photos, warm_up, data = batches(count)

    def run(data: bytes) -> Any:
        job = job_create(
            kind="photos", organisation=agency, user=None, filename="bench.zip", data=data, enqueue=False
        )
        return job_run(job.pk)

    run(warm_up)  # a running worker has imported its modules and loaded its models
    decode_s = min(decode_only(photos) for _ in range(3))
    steps = profile_checks(photos)
    stored: Counter[str] = Counter()
    timing_store(stored)
    started, cpu = time.perf_counter(), os.times()
    job = run(data)
    import_s, after = time.perf_counter() - started, os.times()
    assert job.summary["created"] == count and job.summary["linked"] == count, job.summary
    stored["main cpu"] = after.user + after.system - cpu.user - cpu.system
    stored["workers cpu"] = (
        after.children_user + after.children_system - cpu.children_user - cpu.children_system
    )
    report(count, decode_s, import_s, steps, stored, Photo.objects.filter(batch=job).count(), photos)


def report(
    count: int,
    decode_s: float,
    import_s: float,
    steps: dict[str, float],
    spent: Counter[str],
    stored: int,
    photos: list[bytes],
) -> None:
    from gradphoto.photos import standard

    sample = photos[:SAMPLE]
    paths = Counter(standard.check_photo(p).measurements.get("face_search") for p in sample)
    decode_rate, import_rate = count / decode_s, count / import_s
    print(f"photos: {count} (stored {stored}), cores: {os.cpu_count()}")
    print(f"decode only (1 process):   {decode_rate:8.1f} photos/s")
    print(f"import end to end:         {import_rate:8.1f} photos/s  ({import_s:.2f} s)")
    print(f"ratio import / decode:     {import_rate / decode_rate:8.3f}  (target >= 0.25)")
    print(f"per photo, one process (sample of {len(sample)}; face search: {dict(paths)}):")
    for key, ms in steps.items():
        print(f"  {key:62s} {ms:6.2f} ms")
    per_photo = {key: seconds / count * 1000 for key, seconds in spent.items()}
    print("per photo, the import (main process reads, stores and writes rows; workers check):")
    print(f"  {'storage + database (files, rows, linking, audit), wall':62s} {per_photo['store']:6.2f} ms")
    print(f"  {'CPU of the main process':62s} {per_photo['main cpu']:6.2f} ms")
    print(f"  {'CPU of the worker processes':62s} {per_photo['workers cpu']:6.2f} ms")
    print(f"  {'wall time of the whole import':62s} {import_s / count * 1000:6.2f} ms")


if __name__ == "__main__":
    main()
