"""The demo: organisations, several hundred students, real-face photos and one student per case.

Deterministic for a given seed. Past verdicts are written with past timestamps directly (a demo
needs history that services, which always act "now", cannot produce).
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from gradphoto.accounts.models import AccountState, PersonCheck, Role, User
from gradphoto.accounts.tokens import api_token_issue
from gradphoto.common import clock
from gradphoto.linking.services import account_link_records
from gradphoto.organisations.models import Organisation, OrgKind
from gradphoto.organisations.services import schools_load_reference
from gradphoto.photos.models import Photo
from gradphoto.photos.services import photo_add
from gradphoto.records.models import RecordStatus, StudentRecord
from gradphoto.verification.models import Conclusion, ConclusionEvent, EventKind

from .names import random_id_number, random_name
from .portrait import photo_set

PKU, SCU, SUDA, JIANGNAN = "10001", "10610", "10285", "10295"


@dataclass
class Demo:
    rng: random.Random
    photos: list[bytes]
    accounts: list[dict[str, Any]] = field(default_factory=list)
    orgs: dict[str, Organisation] = field(default_factory=dict)
    serial: int = 0
    photo_index: int = 0
    staff: dict[str, User] = field(default_factory=dict)

    def next_photo(self) -> bytes:
        data = self.photos[self.photo_index % len(self.photos)]
        self.photo_index += 1
        return data


def _org(code: str, kind: str, name: str, **extra: Any) -> Organisation:
    org, _ = Organisation.objects.update_or_create(code=code, defaults={"kind": kind, "name": name, **extra})
    return org


def seed_organisations(demo: Demo) -> None:
    schools_load_reference()
    o = demo.orgs
    o["platform"] = _org("platform", OrgKind.PLATFORM, "学历照片校对平台运营中心")
    o["xinhua-bj"] = _org("xinhua-bj", OrgKind.AGENCY, "新华社北京分社")
    o["xinhua-sc"] = _org("xinhua-sc", OrgKind.AGENCY, "新华社四川分社")
    o["aopeng-cj"] = _org("aopeng-cj", OrgKind.AGENCY, "奥鹏代办采集")
    o["aopeng"] = _org("aopeng", OrgKind.SERVICE_CENTRE, "奥鹏远程教育中心")
    o["lc-cd"] = _org("lc-cd-wuhou", OrgKind.LEARNING_CENTRE, "奥鹏成都武侯学习中心", parent=o["aopeng"])
    o["lc-sz"] = _org("lc-sz-gusu", OrgKind.LEARNING_CENTRE, "奥鹏苏州姑苏学习中心", parent=o["aopeng"])
    today = clock.today()
    Organisation.objects.filter(code=PKU).update(
        collection_on=today - dt.timedelta(days=40),
        collection_agency=o["xinhua-bj"],
        verification_deadline=today + dt.timedelta(days=60),
        # A regular full-time university: the 2.5-year rule of online education does not apply.
        threshold_applies=False,
    )
    Organisation.objects.filter(code=SCU).update(photo_change_fee=Decimal("30"))
    Organisation.objects.filter(code=JIANGNAN).update(
        exclusion_notice="江南大学自行组织毕业生图像校对，请按学校教务处通知办理，不在本系统校对。"
    )
    for code in (PKU, SCU, SUDA, JIANGNAN):
        o[code] = Organisation.objects.get(code=code)


def _record(
    demo: Demo,
    school: str,
    *,
    status: str = RecordStatus.REGISTERED,
    enrolled: dt.date,
    level: str,
    mode: str,
    years: str,
    major: str,
    centre: str | None = None,
    name: str | None = None,
    sex: str | None = None,
) -> StudentRecord:
    rng = demo.rng
    demo.serial += 1
    sex = sex or rng.choice(("男", "女"))
    birth = dt.date(enrolled.year - 18 - rng.randrange(0, 6), rng.randrange(1, 13), rng.randrange(1, 29))
    prefixes = {PKU: ("11",), SCU: ("51",), SUDA: ("32",), JIANGNAN: ("32",)}[school]
    return StudentRecord.objects.create(
        school=demo.orgs[school],
        student_no=f"{enrolled.year}{demo.serial:06d}",
        name=name or random_name(rng),
        sex=sex,
        birth_date=birth,
        id_number=random_id_number(rng, birth, sex, prefixes),
        ethnicity="汉族",
        major=major,
        level=level,
        study_mode=mode,
        length_years=Decimal(years),
        enrolled_on=enrolled,
        status=status,
        status_label="已毕业" if status == RecordStatus.GRADUATED else "注册学籍",
        learning_centre=demo.orgs[centre] if centre else None,
        collection_uid=secrets.token_hex(8),
    )


def _photo(
    demo: Demo,
    record: StudentRecord,
    agency: str,
    *,
    name: str | None = None,
    id_number: str | None = None,
    days_ago: int = 30,
    data: bytes | None = None,
    student_no: str | None = None,
) -> Photo:
    demo.serial += 1
    return photo_add(
        agency=demo.orgs[agency],
        school=record.school,
        collection_no=f"CJ{demo.serial:08d}",
        name=name or record.name,
        id_number=id_number or record.id_number,
        collected_on=clock.today() - dt.timedelta(days=days_ago),
        data=data or demo.next_photo(),
        student_no=record.student_no if student_no is None else student_no,
    )


def _one_digit_off(number: str, position: int) -> str:
    """The ID with one digit changed, as a collector might mistype it (the checksum then fails)."""
    return number[:position] + str((int(number[position]) + 3) % 10) + number[position + 1 :]


def _verdict(
    record: StudentRecord, photo: Photo, actor: User, verdict: str, reason: str = "", hours_ago: float = 2
) -> None:
    at = clock.now() - dt.timedelta(hours=hours_ago)
    conclusion = Conclusion.objects.create(
        record=record,
        photo=photo,
        verdict=verdict,
        wrong_reason=reason,
        first_at=at,
        window_ends_at=at + clock.verdict_window(),
        updated_at=at,
    )
    ConclusionEvent.objects.create(
        conclusion=conclusion,
        kind=EventKind.SUBMITTED,
        actor=actor,
        to_verdict=verdict,
        to_reason=reason,
        at=at,
    )


def _student(
    demo: Demo,
    record: StudentRecord | None,
    *,
    case: str,
    password_hash: str | None = None,
    real_name: str | None = None,
    id_number: str | None = None,
    checked: bool = True,
    listed: bool = True,
) -> User:
    """An active student account, linked by the exact rule; listed ones go to accounts.json."""
    demo.serial += 1
    email = f"{case or 'student'}.{demo.serial}@demo.gradphoto.cn".replace("_", "-")
    password = f"demo-{secrets.token_hex(4)}" if listed else None
    user = User(
        username=email,
        email=email,
        role=Role.STUDENT,
        real_name=real_name or (record.name if record else ""),
        id_number=id_number or (record.id_number if record else ""),
        mobile=f"138{demo.rng.randrange(10**8):08d}",
        account_state=AccountState.ACTIVE,
        is_active=True,
        person_check=PersonCheck.SCHOOL_VERIFIED if checked else PersonCheck.NONE,
        person_checked_at=clock.now() if checked else None,
    )
    user.password = make_password(password) if password else (password_hash or "!")
    user.save()
    account_link_records(user=user)
    if listed:
        entry: dict[str, Any] = {
            "role": "student",
            "case": case,
            "username": email,
            "password": password,
            "api_token": api_token_issue(user=user),
        }
        if not checked and record is not None:
            entry["school"] = record.school.name
        demo.accounts.append(entry)
    return user


def _staff(demo: Demo, role: str, username: str, org: str) -> User:
    password = f"demo-{secrets.token_hex(4)}"
    user = User.objects.create_user(
        username=username,
        email=f"{username}@demo.gradphoto.cn",
        password=password,
        role=role,
        organisation=demo.orgs[org],
        real_name=username,
        account_state=AccountState.ACTIVE,
    )
    demo.staff[username] = user
    demo.accounts.append(
        {
            "role": role,
            "case": "",
            "username": username,
            "password": password,
            "api_token": api_token_issue(user=user),
        }
    )
    return user


def seed_cases(demo: Demo) -> None:
    """One student per case of the demo contract (PRODUCT.md), with photos that fit the case."""
    pku: dict[str, Any] = dict(
        enrolled=dt.date(2023, 9, 1), level="本科", mode="普通全日制", years="4", major="法学"
    )
    scu: dict[str, Any] = dict(
        enrolled=dt.date(2024, 3, 1),
        level="专升本",
        mode="业余",
        years="2.5",
        major="工商管理",
        centre="lc-cd",
    )
    suda: dict[str, Any] = dict(
        enrolled=dt.date(2024, 9, 1), level="高起专", mode="业余", years="2.5", major="会计学", centre="lc-sz"
    )
    graduated: dict[str, Any] = dict(pku, enrolled=dt.date(2021, 9, 1), status=RecordStatus.GRADUATED)

    record = _record(demo, PKU, name="陈思远", **pku)
    _photo(demo, record, "xinhua-bj")
    _student(demo, record, case="awaiting_verdict")

    record = _record(demo, PKU, name="林雨婷", **pku)
    photo = _photo(demo, record, "xinhua-bj")
    _verdict(record, photo, _student(demo, record, case="verdict_editable"), "correct", hours_ago=2)

    record = _record(demo, SCU, name="王建国", **scu)
    photo = _photo(demo, record, "aopeng-cj")
    _verdict(
        record, photo, _student(demo, record, case="verdict_locked"), "wrong", "not_swapped", hours_ago=72
    )

    # Registered now (still 注册学籍); demo/diplomas.py registers the diploma through the real service.
    record = _record(demo, PKU, name="赵子涵", **dict(graduated, status=RecordStatus.REGISTERED))
    photo = _photo(demo, record, "xinhua-bj", days_ago=500)
    _verdict(record, photo, _student(demo, record, case="graduated"), "correct", hours_ago=24 * 400)

    _student(demo, _record(demo, PKU, name="孙浩然", **pku), case="photo_not_uploaded")

    # Collected as 刘欣治 for record 刘欣怡 (治 looks like 怡) with one ID digit mistyped: too uncertain for
    # an automatic link, so the engine only suggests it; 没照片,找找看 finds it for the student.
    record = _record(demo, SUDA, name="刘欣怡", sex="女", **suda)
    _photo(demo, record, "aopeng-cj", name="刘欣治", id_number=_one_digit_off(record.id_number, 15))
    _student(demo, record, case="claimable_photo")

    # Name and ID number both typed wrong at collection, no 学号 taken: nothing in the collection is close
    # enough for the engine or 没照片,找找看; only Form A (with the values printed on the paper photo) can
    # link it.
    record = _record(demo, SUDA, name="张伟", sex="男", **suda)
    wrong_id = _one_digit_off(record.id_number, 10)
    _photo(demo, record, "aopeng-cj", name="王建华", id_number=wrong_id, student_no="")
    _student(demo, record, case="collection_identity_wrong")

    record = _record(demo, PKU, name="周嘉怡", sex="女", **graduated)
    _photo(
        demo, record, "xinhua-bj", name="周佳", id_number=_one_digit_off(record.id_number, 8), days_ago=500
    )
    _student(demo, record, case="graduated_unlinked")

    # The account was registered as 李明 but the school reported 李鸣: nothing links (case 四).
    record = _record(demo, PKU, name="李鸣", sex="男", **pku)
    _photo(demo, record, "xinhua-bj")
    _student(demo, None, case="account_mismatch", real_name="李明", id_number=record.id_number)

    record = _record(
        demo,
        JIANGNAN,
        name="吴文博",
        enrolled=dt.date(2023, 9, 1),
        level="本科",
        mode="普通全日制",
        years="4",
        major="食品科学与工程",
    )
    _photo(demo, record, "xinhua-bj")
    _student(demo, record, case="excluded_school")

    # Two students whose photos were swapped at collection: each sees the other's face.
    first, second = _record(demo, SCU, name="黄俊杰", **scu), _record(demo, SCU, name="马晓东", **scu)
    face_a, face_b = demo.next_photo(), demo.next_photo()
    _photo(demo, first, "aopeng-cj", data=face_b)
    _photo(demo, second, "aopeng-cj", data=face_a)
    _student(demo, first, case="swapped_pair")
    _student(demo, second, case="swapped_pair")

    record = _record(demo, PKU, name="郑可馨", sex="女", **pku)
    _photo(demo, record, "xinhua-bj")
    _student(demo, record, case="person_check_pending", checked=False)


def seed_staff(demo: Demo) -> None:
    _staff(demo, Role.UNIVERSITY_STAFF, "pku-staff", PKU)
    _staff(demo, Role.UNIVERSITY_STAFF, "scu-staff", SCU)
    _staff(demo, Role.CENTRE_STAFF, "lc-cd-staff", "lc-cd")
    _staff(demo, Role.SERVICE_STAFF, "aopeng-staff", "aopeng")
    _staff(demo, Role.COLLECTOR_STAFF, "xinhua-bj-staff", "xinhua-bj")
    _staff(demo, Role.OPERATOR, "operator", "platform")


@transaction.atomic
def seed(seed_value: int = 2026, photo_count: int = 160) -> list[dict[str, Any]]:
    """Build the whole demo in one transaction; return the accounts.json entries."""
    demo = Demo(rng=random.Random(seed_value), photos=photo_set(photo_count))
    seed_organisations(demo)
    seed_cases(demo)
    seed_staff(demo)
    from .bulk import seed_bulk

    seed_bulk(demo)
    from .applications import seed_applications
    from .diplomas import seed_diplomas

    seed_applications(demo)
    seed_diplomas(demo)
    return demo.accounts
