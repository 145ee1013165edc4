from __future__ import annotations

import datetime as dt

from ninja import Schema


class Me(Schema):
    username: str
    role: str
    organisation: str | None
    real_name: str
    id_number_masked: str
    person_checked: bool


class RecordOut(Schema):
    id: int
    school_code: str
    school_name: str
    student_no: str
    name: str
    status: str
    case: str
    photo_url: str | None
    verdict: str | None
    wrong_reason: str | None
    window_ends_at: dt.datetime | None


class VerdictIn(Schema):
    verdict: str
    wrong_reason: str = ""
    photo_id: int | None = None  # the photo shown: a verdict on another (changed since) is refused, 409
