"""A real crash: the import process is killed (SIGKILL) mid-batch; running it again completes the batch."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gradphoto.demo.portrait import photo_set
from gradphoto.imports.testing import batch_zip

COUNT = 96
SETUP = """
import django, json, sys
django.setup()
from gradphoto.common.testing import make_record, org
rows = []
school = org("school", "10001", "北京大学")
org("agency", "xinhua-bj", "新华社北京分社")
for n in range(int(sys.argv[1])):
    r = make_record(school)
    rows.append({"CJH": f"CJ{n:05d}", "YXDM": "10001", "XH": r.student_no, "XM": r.name, "SFZH": r.id_number,
                 "CJRQ": "2026-10-20", "ZPWJ": f"p/{n:05d}.jpg"})
print(json.dumps(rows, ensure_ascii=False))
"""


def gradphoto(env: dict[str, str], *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gradphoto.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        **kwargs,
    )


def count(db: Path, sql: str) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as connection:
        return int(connection.execute(sql).fetchone()[0])


@pytest.mark.skipif(sys.platform != "linux", reason="uses fork and process groups")
def test_a_killed_import_completes_on_the_next_run_without_duplicates(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        GRADPHOTO_HOME=str(tmp_path),
        DJANGO_SETTINGS_MODULE="gradphoto.settings",
        GRADPHOTO_IMPORT_PROCESSES="2",
    )
    assert gradphoto(env, "migrate").returncode == 0
    made = subprocess.run(
        [sys.executable, "-c", SETUP, str(COUNT)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rows = json.loads(made.stdout)
    zip_path = tmp_path / "batch.zip"
    zip_path.write_bytes(batch_zip(rows, dict(zip([r["ZPWJ"] for r in rows], photo_set(COUNT), strict=True))))
    db = tmp_path / "gradphoto.sqlite3"

    process = subprocess.Popen(
        [sys.executable, "-m", "gradphoto.cli", "import-photos", str(zip_path), "--agency", "xinhua-bj"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while count(db, "select count(*) from photos_stagedphoto") < 3:
        assert process.poll() is None and time.monotonic() < deadline, (
            "the import ended before it could be killed"
        )
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    # REQ-CC-04: the killed batch left nothing visible, only staged rows.
    assert count(db, "select count(*) from photos_photo") == 0
    assert 3 <= count(db, "select count(*) from photos_stagedphoto") < COUNT

    again = gradphoto(env, "import-photos", str(zip_path), "--agency", "xinhua-bj", "--json")
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert summary["created"] + summary["unchanged"] == COUNT and summary["rejected"] == 0
    assert count(db, "select count(*) from photos_photo") == COUNT
    assert count(db, "select count(distinct collection_no) from photos_photo") == COUNT
    assert count(db, "select count(*) from photos_photo where link_state = 'linked'") == COUNT
    assert count(db, "select count(*) from audit_auditevent where action = 'photo.added'") == COUNT
    assert count(db, "select count(*) from audit_auditevent where action = 'photo.linked'") == COUNT
