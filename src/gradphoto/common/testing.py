"""Personas and factories for tests (STYLE.md "Tests"): one organisation per role, and another."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PIL import Image

from gradphoto.accounts.models import AccountState, PersonCheck, Role, User
from gradphoto.common import clock
from gradphoto.demo.names import random_id_number, random_name
from gradphoto.linking.services import account_link_records
from gradphoto.organisations.models import Organisation, OrgKind
from gradphoto.photos.models import Photo
from gradphoto.photos.services import photo_add
from gradphoto.records.models import RecordStatus, StudentRecord

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)
_rng = random.Random(7)


def tiny_jpeg(seed: int | None = None) -> bytes:
    """A small real JPEG whose bytes differ per call."""
    n = seed if seed is not None else next(_counter)
    buffer = io.BytesIO()
    Image.new("RGB", (48, 64), (n * 37 % 256, n * 91 % 256, 200)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def org(kind: str, code: str, name: str, **extra: Any) -> Organisation:
    return Organisation.objects.create(kind=kind, code=code, name=name, **extra)


def make_record(school: Organisation, **fields: Any) -> StudentRecord:
    n = next(_counter)
    sex = fields.pop("sex", "女" if n % 2 else "男")
    birth = fields.pop("birth_date", dt.date(2002, 1 + n % 12, 1 + n % 28))
    values: dict[str, Any] = dict(
        student_no=f"S{n:08d}",
        name=random_name(_rng),
        sex=sex,
        birth_date=birth,
        id_number=random_id_number(_rng, birth, sex),
        major="法学",
        level="本科",
        study_mode="普通全日制",
        length_years=Decimal("4"),
        enrolled_on=dt.date(2023, 9, 1),
        status=RecordStatus.REGISTERED,
    )
    values.update(fields)
    return StudentRecord.objects.create(school=school, **values)


def make_student(record: StudentRecord | None = None, *, checked: bool = True, **fields: Any) -> User:
    n = next(_counter)
    values: dict[str, Any] = dict(
        username=f"student{n}@example.cn",
        email=f"student{n}@example.cn",
        role=Role.STUDENT,
        real_name=record.name if record else f"学生{n}",
        id_number=record.id_number if record else "",
        account_state=AccountState.ACTIVE,
        is_active=True,
        mobile="13800000000",
        person_check=PersonCheck.SCHOOL_VERIFIED if checked else PersonCheck.NONE,
    )
    values.update(fields)
    user = User.objects.create_user(password=PASSWORD, **values)
    account_link_records(user=user)
    return user


def make_staff(role: str, organisation: Organisation, name: str) -> User:
    return User.objects.create_user(
        username=name,
        email=f"{name}@example.cn",
        password=PASSWORD,
        role=role,
        organisation=organisation,
        real_name=name,
        account_state=AccountState.ACTIVE,
    )


def make_photo(record: StudentRecord, agency: Organisation, **identity: Any) -> Photo:
    return photo_add(
        agency=agency,
        school=identity.pop("school", record.school),
        collection_no=identity.pop("collection_no", f"CJ{next(_counter):08d}"),
        name=identity.pop("name", record.name),
        id_number=identity.pop("id_number", record.id_number),
        collected_on=identity.pop("collected_on", clock.today()),
        data=identity.pop("data", tiny_jpeg()),
        **identity,
    )


@dataclass
class Personas:
    school: Organisation
    other_school: Organisation
    excluded_school: Organisation
    agency: Organisation
    other_agency: Organisation
    service_centre: Organisation
    centre: Organisation
    other_centre: Organisation
    platform: Organisation
    alice: User  # university staff of `school`
    bob: User  # university staff of `other_school`
    carol: User  # centre staff of `centre`
    dave: User  # service staff of `service_centre`
    erin: User  # collector staff of `agency`
    frank: User  # operator

    def staff(self) -> list[User]:
        return [self.alice, self.bob, self.carol, self.dave, self.erin, self.frank]


def make_personas() -> Personas:
    school = org(OrgKind.SCHOOL, "10001", "北京大学")
    other_school = org(OrgKind.SCHOOL, "10003", "清华大学")
    excluded = org(OrgKind.SCHOOL, "10295", "江南大学", excluded=True)
    agency = org(OrgKind.AGENCY, "xinhua-bj", "新华社北京分社")
    other_agency = org(OrgKind.AGENCY, "xinhua-sh", "新华社上海分社")
    service = org(OrgKind.SERVICE_CENTRE, "aopeng", "奥鹏远程教育中心")
    centre = org(OrgKind.LEARNING_CENTRE, "lc-1", "奥鹏北京学习中心", parent=service)
    other_centre = org(OrgKind.LEARNING_CENTRE, "lc-2", "奥鹏上海学习中心")
    platform = org(OrgKind.PLATFORM, "platform", "平台")
    return Personas(
        school=school,
        other_school=other_school,
        excluded_school=excluded,
        agency=agency,
        other_agency=other_agency,
        service_centre=service,
        centre=centre,
        other_centre=other_centre,
        platform=platform,
        alice=make_staff(Role.UNIVERSITY_STAFF, school, "alice"),
        bob=make_staff(Role.UNIVERSITY_STAFF, other_school, "bob"),
        carol=make_staff(Role.CENTRE_STAFF, centre, "carol"),
        dave=make_staff(Role.SERVICE_STAFF, service, "dave"),
        erin=make_staff(Role.COLLECTOR_STAFF, agency, "erin"),
        frank=make_staff(Role.OPERATOR, platform, "frank"),
    )


# For Playwright: the natural width of an <img> once it has loaded (it may still be loading when the
# page reports ready), 0 when it fails to load.
LOADED_WIDTH = (
    "img => img.complete && img.naturalWidth ? img.naturalWidth"
    " : new Promise(r => { img.onload = () => r(img.naturalWidth); img.onerror = () => r(0); })"
)


def browser_log_in(page: Any, base_url: str, login: str, *, next_url: str = "") -> Any:
    """Log in through the login form in a Playwright page (password PASSWORD); the page, once it settled."""
    page.goto(base_url + "/accounts/login/" + (f"?next={next_url}" if next_url else ""))
    page.fill("input[name=username]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def run_gradphoto(home: Any, *args: str, timeout: int = 300) -> Any:
    """`gradphoto ARGS` in a child process on the embedded database of ``home`` (a CompletedProcess)."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, GRADPHOTO_HOME=str(home), DJANGO_SETTINGS_MODULE="gradphoto.settings")
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "gradphoto.cli", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def at_once(task: Callable[[], Any], times: int, *, timeout: float = 60) -> list[Any]:
    """Run ``task`` in ``times`` threads that start together, each on its own database connection
    (closed after); the results, and each exception raised, in the order the threads finished."""
    from django.db import connection

    start, outcomes = threading.Barrier(times), []

    def run() -> None:
        try:
            start.wait(timeout)
            outcomes.append(task())
        except Exception as error:  # the caller asserts on what each thread met
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return outcomes
