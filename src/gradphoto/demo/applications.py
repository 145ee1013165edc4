"""Demo correction applications in several states, made through the real services."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from gradphoto.corrections import services
from gradphoto.corrections.models import FormType
from gradphoto.records.models import RecordStatus, StudentRecord
from gradphoto.verification.services import conclusion_submit

if TYPE_CHECKING:
    from .seed import Demo


def _student(demo: Demo, record: StudentRecord):  # type: ignore[no-untyped-def]
    from .seed import _student

    return _student(demo, record, case="", listed=False)


def seed_applications(demo: Demo) -> None:
    """Students of 四川大学 (learning centre 奥鹏成都武侯, service centre 奥鹏) at each step of the flow."""
    from .seed import SCU, _photo, _record

    centre, service, school = demo.staff["lc-cd-staff"], demo.staff["aopeng-staff"], demo.staff["scu-staff"]
    fields: dict[str, Any] = dict(
        enrolled=dt.date(2024, 3, 1),
        level="专升本",
        mode="业余",
        years="2.5",
        major="会计学",
        centre="lc-cd",
        status=RecordStatus.REGISTERED,
    )
    people = []
    for name in ("冯晓东", "许嘉怡", "韩立新", "邓佳琪", "曹文博", "彭雨婷", "曾浩然", "肖若曦"):
        record = _record(demo, SCU, name=name, **fields)
        _photo(demo, record, "aopeng-cj")
        people.append((record, _student(demo, record)))
    steps = ["draft", "submitted", "forwarded", "awaiting_fee", "rejected", "applied"]
    for (record, student), step in zip(people, steps, strict=False):
        conclusion_submit(student=student, record_id=record.pk, verdict="wrong", wrong_reason="not_swapped")
        app = services.application_report(
            student=student, record_id=record.pk, form_type=FormType.REPLACE_PHOTO, reason="照片不是本人"
        )
        if step == "draft":
            continue
        services.application_file(
            staff=centre,
            application_id=app.pk,
            details={"new_photo": demo.next_photo(), "reason": "采集时照片拍错"},
        )
        if step == "submitted":
            continue
        if step == "rejected":
            services.application_reject(
                staff=service, application_id=app.pk, reason="缺少学生签字的申请表扫描件"
            )
            continue
        services.application_forward(staff=service, application_id=app.pk)
        if step == "forwarded":
            continue
        services.application_approve(staff=school, application_id=app.pk)  # 30 元: waits for the fee
        if step == "applied":
            services.application_fee_paid(staff=school, application_id=app.pk)
