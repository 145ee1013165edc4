"""Photo-batch ingest end to end, beside the decode-only rate of the same files in the same run.

Run by hand: .venv/bin/python bench/ingest.py [PHOTOS]
Target (ISSUE 3): the whole import at >= 0.25x the decode-only rate on a 2-core machine, both cores used.
"""

from __future__ import annotations

import io
import os
import sys
import time
from collections import Counter

from _setup import django_in_temp_home
from PIL import Image


def decode_only(photos: list[bytes]) -> float:
    started = time.perf_counter()
    for data in photos:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    return time.perf_counter() - started


def profile_checks(photos: list[bytes]) -> Counter[str]:
    """Where one process spends its time per photo (a sample of 40)."""
    from gradphoto.photos import standard

    spent: Counter[str] = Counter()
    for data in photos[:40]:
        started = time.perf_counter()
        result = standard.check_photo(data)
        spent["check_photo (decode, standard, faces, EXIF, thumbnail)"] += time.perf_counter() - started
        assert result.ok, result.rejections
    return spent


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    django_in_temp_home()
    from gradphoto.common.testing import make_record
    from gradphoto.demo.portrait import photo_set
    from gradphoto.imports.services import job_create, job_run
    from gradphoto.imports.testing import batch_zip, photo_row
    from gradphoto.organisations.models import Organisation, OrgKind
    from gradphoto.organisations.services import schools_load_reference

    schools_load_reference()
    school = Organisation.objects.get(code="10001")
    agency = Organisation.objects.create(kind=OrgKind.AGENCY, code="xinhua-bj", name="新华社北京分社")
    photos = photo_set(count)
    records = [make_record(school) for _ in range(count)]
    rows = [photo_row(record, n) for n, record in enumerate(records)]
    data = batch_zip(rows, {row["ZPWJ"]: photo for row, photo in zip(rows, photos, strict=True)})

    decode_s = min(decode_only(photos) for _ in range(3))
    spent = profile_checks(photos)
    started = time.perf_counter()
    job = job_run(
        job_create(
            kind="photos", organisation=agency, user=None, filename="bench.zip", data=data, enqueue=False
        ).pk
    )
    import_s = time.perf_counter() - started
    assert job.summary["created"] == count and job.summary["linked"] == count, job.summary

    decode_rate, import_rate = count / decode_s, count / import_s
    print(f"photos: {count}, cores: {os.cpu_count()}")
    print(f"decode only (1 process):   {decode_rate:8.1f} photos/s")
    print(f"import end to end:         {import_rate:8.1f} photos/s  ({import_s:.1f} s)")
    print(f"ratio import / decode:     {import_rate / decode_rate:8.3f}  (target >= 0.25)")
    per_photo = {k: v / min(40, count) * 1000 for k, v in spent.items()}
    for key, ms in per_photo.items():
        print(f"  {key}: {ms:.1f} ms per photo in one process")
    rest = import_s / count * 1000 - sum(per_photo.values()) / (os.cpu_count() or 1)
    print(f"  storage, database, linking and audit (main process): ~{max(rest, 0):.1f} ms per photo")


if __name__ == "__main__":
    main()
