"""Realistic Chinese names and valid resident ID numbers for demo data (never real people)."""

from __future__ import annotations

import csv
import datetime as dt
import random
from functools import cache
from pathlib import Path

from gradphoto.common.idnumber import check_char

# The most common surnames, roughly by frequency, plus a few two-character ones.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
DOUBLE_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方")
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志宇浩然子涵梓轩欣怡佳琪晨曦雨婷思远"
    "文博嘉怡雅琳俊杰晓东海燕春梅丹凤鑫宁博文昊天一诺可馨语桐皓轩宏伟立新庆丰永康德明家豪婉清若曦书瑶铭泽"
)


def random_name(rng: random.Random) -> str:
    surname = rng.choice(DOUBLE_SURNAMES) if rng.random() < 0.02 else rng.choice(SURNAMES)
    length = 1 if rng.random() < 0.3 else 2
    return surname + "".join(rng.choice(GIVEN_CHARS) for _ in range(length))


@cache
def county_codes(prefixes: tuple[str, ...]) -> list[str]:
    path = Path(__file__).resolve().parent.parent / "common" / "data" / "areacodes.csv"
    with path.open(encoding="utf-8-sig") as handle:
        return [
            row["代码"]
            for row in csv.DictReader(handle)
            if row["级别"] == "县级" and row["状态"] == "在用" and row["代码"].startswith(prefixes)
        ]


def random_id_number(
    rng: random.Random, birth: dt.date, sex: str, prefixes: tuple[str, ...] = ("11",)
) -> str:
    """A checksum-valid 18-digit number with the given birth date and sex (odd 17th digit = 男)."""
    area = rng.choice(county_codes(prefixes))
    seq = rng.randrange(0, 100) * 10 + (
        rng.choice((1, 3, 5, 7, 9)) if sex == "男" else rng.choice((0, 2, 4, 6, 8))
    )
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + check_char(body)
