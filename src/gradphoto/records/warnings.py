"""Warnings on 学籍 rows that are imported anyway: what is legal but almost always a typo.

One resident ID number under two names in one school (the file, or the file against the school's stored
records) is reported row by row (`id_other_name`, field SFZH): the same person twice under one name is
legal (专科 then 专升本), another name is nearly always a mistyped ID, and the exact rules would then link
one person's account and photos to the other's record. The row is still imported: a name can change,
and only the school can tell. Only the school's own records are compared (nothing about another school's
students is shown to this one).
"""

from __future__ import annotations

from collections import defaultdict

from gradphoto.common.tabular import RowError
from gradphoto.organisations.models import Organisation

from .models import StudentRecord
from .rows import RESIDENT_ID, RecordRow

CHUNK = 5000


def id_name_warnings(school: Organisation, rows: list[RecordRow]) -> list[RowError]:
    """`id_other_name` for each row whose ID number another row or record of the school has, with
    another name."""
    by_id: dict[str, list[RecordRow]] = defaultdict(list)
    for row in rows:
        if row.id_type == RESIDENT_ID and row.id_number:
            by_id[row.id_number].append(row)
    stored = _stored(school, list(by_id))
    warnings = []
    for number, same in by_id.items():
        for row in same:
            other = next((r for r in same if r.name != row.name and r.row < row.row), None)
            if other is not None:
                where = f"本文件第 {other.row} 行（{other.name}）"
            elif found := [s for s in stored.get(number, []) if s[1] != row.student_no and s[0] != row.name]:
                where = f"本校学号 {found[0][1]} 的学籍（{found[0][0]}）"
            else:
                continue
            message = f"身份证号与{where}相同，但姓名不同；已导入，请核对身份证号是否录错"
            warnings.append(RowError(row.row, "SFZH", "id_other_name", message))
    return sorted(warnings, key=lambda w: w.row)


def _stored(school: Organisation, numbers: list[str]) -> dict[str, list[tuple[str, str]]]:
    """ID number → (name, 学号) of the school's records with it."""
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for start in range(0, len(numbers), CHUNK):
        query = StudentRecord.objects.filter(school=school, id_number__in=numbers[start : start + CHUNK])
        for number, name, student_no in query.values_list("id_number", "name", "student_no"):
            found[number].append((name, student_no))
    return found
