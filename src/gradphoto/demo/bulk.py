"""Several hundred ordinary demo students, most photographed, some already verified."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import make_password

from gradphoto.records.models import RecordStatus

if TYPE_CHECKING:
    from .seed import Demo

MAJORS_PKU = ("计算机科学与技术", "法学", "经济学", "汉语言文学", "数学与应用数学", "临床医学", "物理学")
MAJORS_ONLINE = ("工商管理", "会计学", "土木工程", "计算机科学与技术", "行政管理", "护理学")


def seed_bulk(demo: Demo) -> None:
    """Several hundred ordinary students, most photographed, some already verified."""
    from .seed import JIANGNAN, PKU, SCU, SUDA, _photo, _record, _student, _verdict

    rng = demo.rng
    shared_hash = make_password(secrets.token_urlsafe(16))
    groups: list[tuple[str, int, dict[str, Any], str, str | None]] = [
        (
            PKU,
            120,
            dict(enrolled=dt.date(2023, 9, 1), level="本科", mode="普通全日制", years="4"),
            "xinhua-bj",
            None,
        ),
        (
            PKU,
            30,
            dict(
                enrolled=dt.date(2021, 9, 1),
                level="本科",
                mode="普通全日制",
                years="4",
                status=RecordStatus.GRADUATED,
            ),
            "xinhua-bj",
            None,
        ),
        (
            SCU,
            90,
            dict(enrolled=dt.date(2024, 3, 1), level="专升本", mode="业余", years="2.5"),
            "aopeng-cj",
            "lc-cd",
        ),
        (
            SUDA,
            60,
            dict(enrolled=dt.date(2024, 9, 1), level="高起专", mode="业余", years="2.5"),
            "aopeng-cj",
            "lc-sz",
        ),
        (
            JIANGNAN,
            20,
            dict(enrolled=dt.date(2023, 9, 1), level="本科", mode="普通全日制", years="4"),
            "xinhua-bj",
            None,
        ),
    ]
    for school, count, fields, agency, centre in groups:
        majors = MAJORS_PKU if fields["level"] == "本科" else MAJORS_ONLINE
        for _ in range(count):
            record = _record(demo, school, major=rng.choice(majors), centre=centre, **fields)
            if rng.random() > 0.85 and record.status != RecordStatus.GRADUATED:
                continue  # not photographed yet
            photo = _photo(demo, record, agency, days_ago=rng.randrange(20, 120))
            if rng.random() < 0.4:
                user = _student(demo, record, case="", password_hash=shared_hash, listed=False)
                verdict = "correct" if rng.random() < 0.85 else "wrong"
                _verdict(
                    record,
                    photo,
                    user,
                    verdict,
                    "" if verdict == "correct" else "not_swapped",
                    hours_ago=rng.choice((3, 30, 200)),
                )
