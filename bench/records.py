"""100,000 学籍 rows imported end to end on SQLite, beside parse+validate alone in the same run.

Run by hand: .venv/bin/python bench/records.py [ROWS]   (target: 100,000 rows in under 60 s)
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time

from _setup import django_in_temp_home


def build_csv(count: int) -> bytes:
    from gradphoto.demo.names import random_id_number, random_name
    from gradphoto.imports.testing import record_row, records_csv

    rng = random.Random(3)
    rows = []
    for n in range(count):
        sex = rng.choice(("男", "女"))
        birth = dt.date(1995 + rng.randrange(10), rng.randrange(1, 13), rng.randrange(1, 29))
        rows.append(
            record_row(
                YXDM="10001",
                XH=f"2024{n:07d}",
                XM=random_name(rng),
                XB=sex,
                CSRQ=f"{birth:%Y%m%d}",
                SFZH=random_id_number(rng, birth, sex),
                ZYMC="法学",
                CC="本科",
                XXXS="普通全日制",
                XZ="4",
                RXRQ="20240901",
            )
        )
    return records_csv(rows)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    django_in_temp_home()
    from gradphoto.common import clock
    from gradphoto.common.tabular import read_table
    from gradphoto.imports.services import job_create, job_run
    from gradphoto.organisations.models import Organisation
    from gradphoto.organisations.services import schools_load_reference
    from gradphoto.records.rows import RECORD_COLUMNS, validate_record_rows

    schools_load_reference()
    data = build_csv(count)
    started = time.perf_counter()
    table = read_table(data, "bench.csv", RECORD_COLUMNS)
    rows, errors = validate_record_rows(table, school_code="10001", today=clock.today())
    parse_s = time.perf_counter() - started
    assert len(rows) == count, errors[:3]

    school = Organisation.objects.get(code="10001")
    started = time.perf_counter()
    job = job_create(
        kind="records", organisation=school, user=None, filename="bench.csv", data=data, enqueue=False
    )
    job = job_run(job.pk)
    import_s = time.perf_counter() - started
    assert job.summary["created"] == count, job.summary

    started = time.perf_counter()
    again = job_run(
        job_create(
            kind="records", organisation=school, user=None, filename="bench.csv", data=data, enqueue=False
        ).pk
    )
    second_s = time.perf_counter() - started
    assert again.summary["unchanged"] == count

    print(f"rows: {count:,}")
    print(f"parse + validate only:      {parse_s:6.2f} s  ({count / parse_s:,.0f} rows/s)")
    print(f"import end to end (SQLite): {import_s:6.2f} s  ({count / import_s:,.0f} rows/s)  target < 60 s")
    print(f"same file again (no-op):    {second_s:6.2f} s  ({count / second_s:,.0f} rows/s)")
    print(
        f"ratio import / parse-only:  {import_s / parse_s:.1f}x the time; database share "
        f"{(import_s - parse_s) / import_s:.0%}"
    )


if __name__ == "__main__":
    main()
