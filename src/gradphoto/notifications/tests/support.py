"""Plain helpers for the outbox tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gradphoto.accounts.models import User
from gradphoto.common.testing import Personas, make_photo, make_record, make_student
from gradphoto.records.models import StudentRecord


def sms_lines(folder: Path) -> list[dict[str, Any]]:
    """Every SMS the file backend wrote, oldest first."""
    return [
        json.loads(line) for path in sorted(folder.glob("*.jsonl")) for line in path.read_text().splitlines()
    ]


def student_with_photo(personas: Personas, school: Any = None, **fields: Any) -> tuple[StudentRecord, User]:
    """A registered record of `school` with a linked photo and the student's account."""
    record = make_record(school or personas.school)
    make_photo(record, personas.agency)
    student = make_student(record, **fields)
    record.refresh_from_db()
    assert record.account_id == student.pk
    return record, student
