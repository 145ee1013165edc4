"""Synthetic Chinese register + collections with the error model of LINKAGE.md §5.3 (labelled).

Per photo (independent): 5 % homophone, 1.5 % similar shape, 3 % ID digit, 1 % ID swap, 1 % ID missing,
3 % wrong student number, 2 % missing student number, 1 % wrong school; plus the additions §5.3 asks
for: traditional forms, '?' for a rare character, surname-heteronym homophones (单→善), Excel-truncated
IDs, twins (same area and birth date, adjacent sequence), 3 % double collections, 5 % never
photographed, 2 % of photos from people not in the register. Stress mode: 12 % of photos come from a
sloppy operator with 4x the rates.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

from gradphoto.common.idnumber import check_char
from gradphoto.demo.names import GIVEN_CHARS, SURNAMES
from gradphoto.linking.engine.normalise import AREA_CODES, DATA, SURNAME_READINGS, reading

RARE = "喆堃淼昇犇玮炜琰玥婕妍昕晗煜珺瑾璟"
HETERONYM_SURNAMES = "单曾解仇区朴查"
EXTRA_NAME_CHARS = (
    "维威薇卫魏霞侠夏晓小笑孝敬晶菁婧倩茜琪棋奇祺淇仪宜颐谊毅翼亦奕逸艺忆益依伊雨羽语禹钰煜昱毓皓昊颢"
    "韬滔俊骏峻浚君均洁捷婕颉鸣铭茗敏珉亭庭霆廷莉俐黎梨立力利励"
)
RATES = {
    "homophone": 0.05,
    "shape": 0.015,
    "id_digit": 0.03,
    "id_swap": 0.01,
    "id_missing": 0.01,
    "stuno_wrong": 0.03,
    "stuno_missing": 0.02,
    "school_wrong": 0.01,
    "traditional": 0.01,
    "rare_char": 0.005,
    "surname_heteronym": 0.5,  # of photos whose surname has a surname reading
    "id_excel": 0.005,
}


@dataclass
class Person:
    name: str
    id_number: str
    birth: dt.date
    sex: str
    school: int
    student_no: str
    twin_of: int | None = None


@dataclass
class SynthPhoto:
    name: str
    id_number: str
    school: int
    student_no: str
    truth: int | None  # index into people, None = not in the register
    errors: list[str] = field(default_factory=list)


@cache
def _areas() -> list[str]:
    with AREA_CODES.open(encoding="utf-8-sig") as handle:
        return [r["代码"] for r in csv.DictReader(handle) if r["级别"] == "县级"]


@cache
def _homophones() -> dict[str, list[str]]:
    """Name characters grouped by toneless reading (the operator types a common homophone)."""
    pool = set(GIVEN_CHARS + RARE + EXTRA_NAME_CHARS)
    by_sound: dict[str, list[str]] = defaultdict(list)
    for char in sorted(pool):
        by_sound[reading(char)].append(char)
    return {c: [o for o in by_sound[reading(c)] if o != c] for c in pool}


@cache
def _shapes() -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for line in (DATA / "same_stroke.txt").read_text(encoding="utf-8").splitlines():
        chars = [c for c in line.split("\t") if len(c) == 1]
        for char in chars:
            groups[char] = [o for o in chars if o != char]
    return groups


@cache
def _s2t() -> dict[str, str]:
    table: dict[str, str] = {}
    for line in (DATA / "t2s_characters.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            trad, simp = line.split("\t")
            table.setdefault(simp, trad)
    return table


def _name(rng: random.Random) -> str:
    if rng.random() < 0.03:
        surname = rng.choice(HETERONYM_SURNAMES)
    else:
        surname = SURNAMES[min(int(rng.expovariate(1 / 20)), len(SURNAMES) - 1)]
    chars = GIVEN_CHARS + RARE[: 4 if rng.random() < 0.9 else len(RARE)]
    return surname + "".join(rng.choice(chars) for _ in range(1 if rng.random() < 0.3 else 2))


def _id(rng: random.Random, area: str, birth: dt.date, seq: int) -> str:
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + check_char(body)


def make_people(n: int, schools: int, rng: random.Random) -> list[Person]:
    """The register: n students, 1 % of them with a twin (also in the register)."""
    people: list[Person] = []
    used: set[str] = set()
    while len(people) < n:
        birth = dt.date(1996, 1, 1) + dt.timedelta(days=rng.randrange(3650))
        sex = rng.choice("男女")
        seq = rng.randrange(0, 499) * 2 + (1 if sex == "男" else 0)
        number = _id(rng, rng.choice(_areas()), birth, seq)
        if number in used:
            continue
        used.add(number)
        school = rng.randrange(schools)
        people.append(Person(_name(rng), number, birth, sex, school, f"{school:03d}{len(people):07d}"))
        if rng.random() < 0.01 and len(people) < n:
            twin_id = _id(rng, number[:6], birth, seq + 2)
            given = _mutate(people[-1].name[1:], rng) if rng.random() < 0.5 else _name(rng)[1:]
            school = school if rng.random() < 0.5 else rng.randrange(schools)
            used.add(twin_id)
            twin = Person(people[-1].name[0] + given, twin_id, birth, sex, school, "")
            twin.student_no, twin.twin_of = f"{school:03d}{len(people):07d}", len(people) - 1
            people.append(twin)
            people[-2].twin_of = len(people) - 1
    return people


def _mutate(given: str, rng: random.Random) -> str:
    i = rng.randrange(len(given))
    return given[:i] + rng.choice(GIVEN_CHARS) + given[i + 1 :]


def _inject(photo: SynthPhoto, rng: random.Random, factor: float, schools: int) -> None:
    """Independent errors at the given rates (x factor for the sloppy operator)."""
    for kind, rate in RATES.items():
        if rng.random() >= min(rate * factor, 0.9) if kind != "surname_heteronym" else rng.random() >= rate:
            continue
        before = (photo.name, photo.id_number, photo.student_no, photo.school)
        _apply(kind, photo, rng, schools)
        if before != (photo.name, photo.id_number, photo.student_no, photo.school):
            photo.errors.append(kind)


def _apply(kind: str, photo: SynthPhoto, rng: random.Random, schools: int) -> None:
    name, number = photo.name, photo.id_number
    if kind in ("homophone", "shape", "rare_char") and len(name) > 1:
        i = rng.randrange(1, len(name))
        pool = {"homophone": _homophones(), "shape": _shapes()}.get(kind)
        if kind == "rare_char":
            photo.name = name[:i] + "?" + name[i + 1 :] if name[i] in RARE else name
        elif pool and pool.get(name[i]):
            photo.name = name[:i] + rng.choice(pool[name[i]]) + name[i + 1 :]
    elif kind == "surname_heteronym" and name[:1] in SURNAME_READINGS:
        sound = SURNAME_READINGS[name[:1]]
        others = [c for c in "善增谢求欧嫖扎" if reading(c) == sound]
        photo.name = (others[0] if others else name[0]) + name[1:]
    elif kind == "traditional":
        photo.name = "".join(_s2t().get(c, c) for c in name)
    elif kind == "id_digit" and number:
        i = rng.randrange(18)
        alphabet = [c for c in ("0123456789X" if i == 17 else "0123456789") if c != number[i]]
        photo.id_number = number[:i] + rng.choice(alphabet) + number[i + 1 :]
    elif kind == "id_swap" and number:
        spots = [i for i in range(17) if number[i] != number[i + 1]]
        i = rng.choice(spots)
        photo.id_number = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
    elif kind == "id_missing":
        photo.id_number = ""
    elif kind == "id_excel" and number:
        photo.id_number = number[:15] + "000"
    elif kind == "stuno_wrong" and photo.student_no:
        photo.student_no = photo.student_no[:-3] + f"{rng.randrange(1000):03d}"
    elif kind == "stuno_missing":
        photo.student_no = ""
    elif kind == "school_wrong":
        photo.school = (photo.school + 1 + rng.randrange(schools - 1)) % schools


def generate(
    n: int, *, schools: int = 200, seed: int = 11, stress: bool = True
) -> tuple[list[Person], list[SynthPhoto]]:
    """The register and the collections, every photo labelled with its truth and its errors."""
    rng = random.Random(seed)
    people = make_people(n, schools, rng)
    photos: list[SynthPhoto] = []
    for index, person in enumerate(people):
        if rng.random() < 0.05:
            continue
        for _ in range(2 if rng.random() < 0.03 else 1):
            photos.append(SynthPhoto(person.name, person.id_number, person.school, person.student_no, index))
    strangers = make_people(int(len(photos) * 0.02), schools, random.Random(seed + 1))
    photos += [SynthPhoto(p.name, p.id_number, p.school, p.student_no, None) for p in strangers]
    rng.shuffle(photos)
    for photo in photos:
        _inject(photo, rng, 4.0 if stress and rng.random() < 0.12 else 1.0, schools)
        if photo.truth is not None and people[photo.truth].twin_of is not None:
            photo.errors.append("twin")
        if photo.truth is None:
            photo.errors.append("not_in_register")
        if len([e for e in photo.errors if e not in ("twin", "not_in_register")]) >= 2:
            photo.errors.append("two_or_more_errors")
    return people, photos
