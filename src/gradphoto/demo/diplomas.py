"""Demo diplomas: the `graduated` student's diploma registered through the real service, with a report."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from gradphoto.graduation.registration import graduates_register, options_for
from gradphoto.graduation.reports import report_create
from gradphoto.graduation.services import settings_update
from gradphoto.records.models import StudentRecord

if TYPE_CHECKING:
    from .seed import Demo


def seed_diplomas(demo: Demo) -> None:
    """北京大学 registers 赵子涵 (graduated 2025-07-01); the graduate applies for a 90-day report."""
    from .seed import PKU

    staff = demo.staff["pku-staff"]
    settings_update(staff=staff, president_name="龚旗煌", school_type="1")
    record = StudentRecord.objects.get(school__code=PKU, name="赵子涵")
    options = options_for(demo.orgs[PKU], graduated_on=dt.date(2025, 7, 1))
    graduates_register(
        staff=staff, school=demo.orgs[PKU], record_ids=[record.pk], options=options, source="demo"
    )
    record.refresh_from_db()
    diploma = record.diploma  # type: ignore[attr-defined]
    assert record.account is not None
    report_create(student=record.account, diploma_id=diploma.pk, validity_days=90)
