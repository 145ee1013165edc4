"""`photo_identities` (the in-memory engine's photos) gives exactly what `photo_identity` gives."""

from __future__ import annotations

import datetime as dt

from gradphoto.common.idnumber import check_char
from gradphoto.linking.engine.keys import photo_identities, photo_identity, record_identity

RESIDENT = "居民身份证"


def _valid(body17: str) -> str:
    return body17 + check_char(body17)


def test_a_known_exact_id_skips_the_check_and_every_other_id_is_computed_in_full():
    with_x = next(
        _valid(f"11010520000101{n:03d}") for n in range(1000) if check_char(f"11010520000101{n:03d}") == "X"
    )
    plain = _valid("31010120010203004")
    records = [
        record_identity((1, 7, "张伟", RESIDENT, plain, dt.date(2001, 2, 3), "S1")),
        record_identity((2, 7, "李娜", RESIDENT, with_x, dt.date(2000, 1, 1), "S2")),
        record_identity((3, 7, "王芳", "护照", "E12345678", dt.date(2000, 5, 5), "S3")),
        record_identity((4, 7, "赵六", RESIDENT, plain[:-1] + "0", dt.date(2001, 2, 3), "S4")),  # invalid
    ]
    assert [r.id_key for r in records] == [plain, with_x, "", ""]
    rows = [
        (10, 7, "张伟", plain, " S1 "),  # known: the shortcut
        (11, 7, "張偉", plain, None),  # known ID, another form of the name
        (12, 7, "李娜", with_x.lower(), "S2"),  # lower-case x: normalised the long way
        (13, 7, "李娜", "１" + with_x[1:], ""),  # full-width digit
        (14, 7, "王芳", "E12345678", "S3"),  # a passport number is no record's key
        (15, 7, "赵六", plain[:-1] + "0", "S4"),  # invalid, equal to an invalid record ID
        (16, 7, "无名", None, None),
        (17, 7, "钱七", plain[:6] + plain[8:] + "1", ""),  # 15 digits
    ]
    fast = photo_identities(rows, records)
    assert fast == [photo_identity(row) for row in rows]
    assert fast[0].id_valid and fast[0].birth_key == "20010203" and fast[0].student_no == "S1"
    assert not fast[5].id_valid
