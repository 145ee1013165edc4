"""Adversarial identities (a review's attacks): each decided as the rules of decide.py say, the same by the
engine in memory (`gradphoto match`) and the engine in the database (`gradphoto link`).

Records are (name, ID, student number, school, document); photos are (name, ID, student number). One
school unless a record says "B"; IDs of one area and birth date are twins of each other.
"""

from __future__ import annotations

import datetime as dt

import pytest

from gradphoto.common.idnumber import check_char
from gradphoto.common.testing import make_photo, make_record
from gradphoto.linking.engine.keys import (
    PHOTO_FIELDS,
    RECORD_FIELDS,
    keys_refresh,
    photo_identity,
    record_identity,
)
from gradphoto.linking.engine.memory import link_identities
from gradphoto.linking.engine.runner import decide_all
from gradphoto.photos.models import LinkState, Photo
from gradphoto.records.models import StudentRecord


def an_id(seq: int, area: str = "110105") -> str:
    body = f"{area}20030405{seq:03d}"
    return body + check_char(body)


def _one_edit_pair() -> tuple[str, str, str]:
    """A record's ID, a stranger's ID two digits from it, and the stranger's typed one edit from both."""
    for seq in range(10, 99):
        mine, theirs = an_id(seq * 10 + 1), an_id(seq * 10 + 2)
        if sum(x != y for x, y in zip(mine, theirs, strict=True)) == 2:
            return mine, theirs, mine[:16] + theirs[16] + mine[17]
    raise AssertionError


def _truncatable() -> str:
    """A valid ID one substitution away from its own Excel-truncated form (…000)."""
    return next(
        n
        for n in map(an_id, range(100, 999))
        if sum(a != b for a, b in zip(n, n[:15] + "000", strict=True)) == 1
    )


A, TWIN, FAR = an_id(11), an_id(13), an_id(21, area="320102")  # FAR: same birth date, another county
MINE, _, STRANGER_TYPED = _one_edit_pair()
EXCEL = _truncatable()
STRANGER = EXCEL[:15] + "23" + check_char(EXCEL[:15] + "23")
TYPO = A[:9] + str((int(A[9]) + 3) % 10) + A[10:]  # one digit wrong: invalid, repairable
PASSPORT = ("张伟", "E12345678", "2020001", "A", "护照")
LONG = (
    "阿卜杜热合曼·阿卜杜克热木·买买提艾力·阿不都热西提·吐尔洪江阿不都"  # 34 characters: pinyin > 64 letters
)

# case: (records, photos, expected (decision, index of the best record, reason) per photo)
CASES = {
    # A valid ID that is exactly another record's: the same birth date, or a record without a resident
    # ID, must not link past it.
    "valid_id_of_another_record": (
        [("张伟", A, "2020001"), ("李娜", FAR, "2020002")],
        [("张伟", FAR, "2020001")],
        [("suggested", 0, "id_elsewhere")],
    ),
    "passport_record_photo_with_another_records_id": (
        [PASSPORT, ("李娜", FAR, "2020002")],
        [("张伟", FAR, "2020001")],
        [("suggested", 0, "id_elsewhere")],
    ),
    # A '?' cannot tell twins apart: the twin is a candidate, and a name of '?' only is no evidence.
    "wildcard_name_with_a_twin": (
        [("李明", A, "S1"), ("李华", TWIN, "S2")],
        [("李?", A, "")],
        [("suggested", 0, "twins")],
    ),
    "name_of_wildcards_only": ([("李明", A, "S1")], [("??", A, "")], [("suggested", 0, "name_disagrees")]),
    # Excel kept 15 digits: the tail 000 is no typo to repair, whoever the record is.
    "excel_truncated_one_substitution_away": (
        [("张伟", EXCEL, "S1")],
        [("张伟", EXCEL[:15] + "000", "")],
        [("suggested", 0, "id_disagrees")],
    ),
    "excel_truncated_stranger": (
        [("张伟", EXCEL, "S1")],
        [("张伟", STRANGER[:15] + "000", "")],
        [("suggested", 0, "id_disagrees")],
    ),
    # A repaired ID with the exact name at the same school links, whatever the student number says: a
    # typed student number is wrong as often as a typed ID digit (LINKAGE.md §5.3), and sending every
    # photo with both errors to review would cost more than the case below, a namesake stranger of the
    # same school whose ID is two digits from the student's, typed one digit wrong, is worth.
    "one_edit_with_other_student_no": (
        [("张伟", MINE, "2020001")],
        [("张伟", STRANGER_TYPED, "2020999")],
        [("linked", 0, "")],
    ),
    # 尉 alone reads wèi (yù only in 尉迟): 于伟 is no homophone of 尉伟, 魏伟 is.
    "surname_wei_not_yu": ([("尉伟", A, "S1")], [("于伟", TYPO, "")], [("suggested", 0, "name_disagrees")]),
    "surname_wei_as_wei": ([("尉伟", A, "S1")], [("魏伟", TYPO, "")], [("linked", 0, "")]),
    # Exact school + name + valid ID is the exact rule (DOMAIN BR-D8): the student number does not veto
    # it, and a register ID held twice is settled by the name, as the import settles it.
    "exact_rule_against_a_namesakes_student_no": (
        [("张伟", A, "2020001"), ("张伟", FAR, "2020002")],
        [("张伟", A, "2020002")],
        [("linked", 0, "")],
    ),
    "register_id_held_twice": (
        [("张伟", A, "S1"), ("李娜", A, "S2"), ("张伟", FAR, "S3")],
        [("张伟", A, "S3")],
        [("linked", 0, "")],
    ),
    # A '?' past the 64th letter of the pinyin key: the key keeps it, so the database finds the twin too.
    "long_wildcard_name_with_a_twin": (
        [(LONG + "买", A, "S1"), ("李华", TWIN, "S2")],
        [(LONG + "?", A, "")],
        [("suggested", [0, 1], "twins")],
    ),
    # Two records hold the ID under names equal once normalised: no early stop in either engine.
    "id_held_twice_under_one_name": (
        [("艾力·买买提", A, "S1"), ("艾力.买买提", A, "S2"), ("艾力·买买提", TWIN, "S3")],
        [("艾力·买买提", A, "")],
        [("suggested", [0, 1, 2], "near_tie")],
    ),
    "full_stop_as_middle_dot": (
        [("阿依古丽·买买提", A, "S1")],
        [("阿依古丽．买买提", A, "")],
        [("linked", 0, "")],
    ),
}


def _made(personas, records):
    """Records of (name, ID, student number[, school[, document]]); a passport holder born 2003-04-05."""
    schools = {"A": personas.school, "B": personas.other_school}
    made = []
    for name, number, student_no, *more in records:
        school = more[0] if more else "A"
        document = more[1] if len(more) > 1 else "居民身份证"
        resident = document == "居民身份证"
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])) if resident else None
        made.append(
            make_record(
                schools[school],
                name=name,
                id_number=number,
                student_no=student_no,
                id_type=document,
                birth_date=born or dt.date(2003, 4, 5),
            )
        )
    return made


def _outcomes(decisions, positions, expected):
    """(decision, best record, reason); every ranked record, best first, where the case lists them."""
    out = []
    for d, (_, best, _) in zip(sorted(decisions, key=lambda d: d.photo.pk), expected, strict=True):
        ranked = [positions[s.record.pk] for s in d.ranked]
        out.append((d.decision, ranked if isinstance(best, list) else (ranked or [None])[0], d.reason))
    return out


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(CASES))
def test_adversarial_identities_decided_alike_in_memory_and_in_the_database(personas, case):
    records, photos, expected = CASES[case]
    made = _made(personas, records)
    positions = {record.pk: n for n, record in enumerate(made)}
    for n, (name, number, student_no) in enumerate(photos):
        make_photo(
            made[0], personas.agency, name=name, id_number=number, student_no=student_no, data=b"%d" % n
        )
    # The engine decides unlinked photos: undo what the exact rule did at the upload.
    Photo.objects.update(link_state=LinkState.UNLINKED, record=None, link_method="", linked_at=None)
    keys_refresh()
    register = [record_identity(v) for v in StudentRecord.objects.values_list(*RECORD_FIELDS)]
    shots = [photo_identity(v) for v in Photo.objects.values_list(*PHOTO_FIELDS)]
    assert _outcomes(link_identities(shots, register), positions, expected) == expected
    assert _outcomes(decide_all(), positions, expected) == expected
