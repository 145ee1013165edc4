"""Resident-ID validation speed: our GB 11643 check against a naive baseline in the same run.

Run by hand: .venv/bin/python bench/idnumber.py  (never part of the test suite)
"""

from __future__ import annotations

import datetime as dt
import random
import re
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from gradphoto.common import idnumber


def naive_parse(raw: str) -> str:
    """A typical hand-written validator: regex per call, strptime, list arithmetic."""
    number = raw.strip().upper()
    if not re.match(r"^\d{17}[\dX]$", number):
        raise ValueError("format")
    dt.datetime.strptime(number[6:14], "%Y%m%d")
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    total = sum(int(d) * w for d, w in zip(number[:17], weights, strict=True))
    if "10X98765432"[total % 11] != number[17]:
        raise ValueError("checksum")
    return number


def sample(count: int) -> list[str]:
    rng = random.Random(1)
    numbers = []
    for _ in range(count):
        birth = dt.date(1960 + rng.randrange(50), rng.randrange(1, 13), rng.randrange(1, 29))
        body = f"110105{birth:%Y%m%d}{rng.randrange(1000):03d}"
        numbers.append(body + idnumber.check_char(body))
    return numbers


def main() -> None:
    numbers = sample(10_000)
    today = dt.date.today()
    ours = min(timeit.repeat(lambda: [idnumber.parse(n, today=today) for n in numbers], number=1, repeat=5))
    base = min(timeit.repeat(lambda: [naive_parse(n) for n in numbers], number=1, repeat=5))
    print(f"gradphoto parse: {ours / len(numbers) * 1e6:.2f} µs per ID")
    print(f"naive baseline:  {base / len(numbers) * 1e6:.2f} µs per ID")
    print(f"ratio: {base / ours:.1f}x faster than the baseline; 100,000 IDs in {ours * 10:.2f} s")


if __name__ == "__main__":
    main()
