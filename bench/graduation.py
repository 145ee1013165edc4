"""学历电子注册 of 100,000 eligible graduates on SQLite, beside the gate check alone in the same run.

Run by hand: .venv/bin/python bench/graduation.py [GRADUATES]   (target: 100,000 in under 60 s)

Each graduate has a 注册学籍 record, a linked standard photo (a distinct ~35 KB JPEG in storage) and a
live 照片正确. The baseline is the gate alone (the reads registration does first); registration adds the
photo copies, the counter claims, the diplomas, the record status and two audit rows per graduate.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from decimal import Decimal

from _setup import django_in_temp_home

CPU: list[float] = []


def seed(count: int) -> list[int]:
    """Records, photos and verdicts in bulk (the setup is not measured)."""
    from gradphoto.graduation.models import GraduationSettings
    from gradphoto.organisations.models import Organisation, OrgKind

    school = Organisation.objects.get(code="10001")
    agency = Organisation.objects.create(kind=OrgKind.AGENCY, code="xinhua-bj", name="新华社北京分社")
    GraduationSettings.objects.create(school=school, president_name="龚旗煌")
    ids = seed_records(school, count)
    seed_photos(school, agency, ids)
    seed_verdicts()
    return ids


def seed_records(school: object, count: int) -> list[int]:
    from gradphoto.records.models import StudentRecord

    StudentRecord.objects.bulk_create(
        (
            StudentRecord(
                school=school,
                student_no=f"2022{n:07d}",
                name="张伟",
                sex="男",
                birth_date=dt.date(2003, 1, 1),
                id_number=f"11010520030101{n % 1000:03d}X",
                major="法学",
                level="本科",
                study_mode="普通全日制",
                length_years=Decimal("4"),
                enrolled_on=dt.date(2022, 9, 1),
                expected_graduation_on=dt.date(2026, 7, 1),
            )
            for n in range(count)
        ),
        batch_size=2000,
    )
    return list(StudentRecord.objects.order_by("pk").values_list("pk", flat=True))


def seed_photos(school: object, agency: object, ids: list[int]) -> None:
    from gradphoto.common import clock
    from gradphoto.common.images import store_content_addressed
    from gradphoto.demo.portrait import photo_set
    from gradphoto.photos.models import LinkState, Photo

    base, now, photos = photo_set(1)[0], clock.now(), []
    for n, record_id in enumerate(ids):
        data = base + n.to_bytes(4, "big")  # bytes after the JPEG end marker: a distinct file, same image
        name, digest = store_content_addressed(data, folder="photos", extension="jpg")
        photos.append(
            Photo(
                agency=agency,
                collection_no=f"CJ{n:08d}",
                school=school,
                name_collected="张伟",
                id_number_collected="",
                collected_on=dt.date(2026, 3, 1),
                sha256=digest,
                file=name,
                size_bytes=len(data),
                record_id=record_id,
                link_state=LinkState.LINKED,
                linked_at=now,
                uploaded_at=now,
            )
        )
    Photo.objects.bulk_create(photos, batch_size=2000)


def seed_verdicts() -> None:
    from gradphoto.common import clock
    from gradphoto.photos.models import Photo
    from gradphoto.verification.models import Conclusion

    now = clock.now()
    Conclusion.objects.bulk_create(
        (
            Conclusion(
                record_id=p.record_id,
                photo_id=p.pk,
                verdict="correct",
                first_at=now,
                window_ends_at=now,
                updated_at=now,
            )
            for p in Photo.objects.only("pk", "record_id").iterator(chunk_size=5000)
        ),
        batch_size=2000,
    )


def gate_only(ids: list[int]) -> float:
    from gradphoto.common import clock
    from gradphoto.graduation.gate import gates_for
    from gradphoto.graduation.registration import options_for
    from gradphoto.organisations.models import Organisation
    from gradphoto.records.models import StudentRecord

    options = options_for(Organisation.objects.get(code="10001"))
    started, passed = time.perf_counter(), 0
    for start in range(0, len(ids), 500):
        records = StudentRecord.objects.filter(pk__in=ids[start : start + 500]).select_related("school")
        passed += sum(g.ok for g in gates_for(records, options, clock.today()).values())
    assert passed == len(ids), passed
    return time.perf_counter() - started


def register(ids: list[int]) -> tuple[float, object]:
    from gradphoto.graduation.registration import graduates_register, options_for
    from gradphoto.organisations.models import Organisation

    school = Organisation.objects.get(code="10001")
    started, cpu = time.perf_counter(), time.process_time()
    batch = graduates_register(
        staff=None, school=school, record_ids=ids, options=options_for(school), source="bench"
    )
    CPU.append(time.process_time() - cpu)  # all threads of this process: the load-independent part
    return time.perf_counter() - started, batch


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    django_in_temp_home()
    from gradphoto.graduation.models import DiplomaRecord
    from gradphoto.organisations.services import schools_load_reference

    schools_load_reference()
    started = time.perf_counter()
    ids = seed(count)
    print(f"graduates: {count:,}  (setup {time.perf_counter() - started:.0f} s, not counted)")
    gate_s = gate_only(ids)
    register_s, batch = register(ids)
    assert batch.registered == count, (batch.registered, batch.refusals[:3])  # type: ignore[attr-defined]
    assert DiplomaRecord.objects.values("certificate_no").distinct().count() == count
    again_s, again = register(ids)
    assert again.unchanged == count  # type: ignore[attr-defined]
    rate = f"{count / register_s:,.0f} graduates/s"
    print(f"gate check only:              {gate_s:6.2f} s  ({count / gate_s:,.0f} graduates/s)")
    print(f"registration (SQLite):        {register_s:6.2f} s  ({rate})  target < 60 s")
    print(f"same graduates again (no-op): {again_s:6.2f} s  ({count / again_s:,.0f} graduates/s)")
    print(f"ratio registration / gate:    {register_s / gate_s:.1f}x the time")
    load = os.getloadavg()[0]
    print(f"CPU time of the registration: {CPU[0]:6.2f} s (all threads); load average now {load:.1f}")


if __name__ == "__main__":
    main()
