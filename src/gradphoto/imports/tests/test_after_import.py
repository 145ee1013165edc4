"""After an import: the engine runs for the schools concerned; students hear their photo is ready."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db import OperationalError

from gradphoto.common.testing import make_record, make_student
from gradphoto.demo.portrait import photo_set
from gradphoto.imports.testing import batch_zip, photo_row
from gradphoto.notifications.models import Message
from gradphoto.photos.models import Photo

pytestmark = pytest.mark.django_db


def test_a_batch_triggers_the_engine_and_the_ready_message(
    tmp_path, personas, django_capture_on_commit_callbacks
):
    exact, near = make_record(personas.school), make_record(personas.school, name="刘欣怡")
    student = make_student(exact)
    rows = [photo_row(exact, 1), photo_row(near, 2, XM="刘心怡")]  # 心/欣: same pinyin, exact ID
    (tmp_path / "b.zip").write_bytes(
        batch_zip(rows, {r["ZPWJ"]: p for r, p in zip(rows, photo_set(2), strict=True)})
    )
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_photos", str(tmp_path / "b.zip"), agency="xinhua-bj", json=True, stdout=out)
    summary = json.loads(out.getvalue())
    assert (summary["unlinked"], summary["linkage"]["linked"]) == (1, 1)  # exact rule, then the engine
    assert Photo.objects.get(collection_no="CJ000002").record == near  # linked by the engine afterwards
    assert Message.objects.filter(user=student, kind__startswith="photo").exists()


DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def _queued(backend) -> list[str]:
    return [result.task.name for result in backend.results]


def test_the_command_line_runs_the_engine_itself_and_reports_it(
    tmp_path, personas, settings, django_capture_on_commit_callbacks
):
    """No worker runs beside a command: the engine runs in it, after the exact rules, says what it
    linked and tells the students it linked; nothing is left queued for a worker to repeat."""
    from django_tasks import default_task_backend

    settings.TASKS = DUMMY_TASKS  # a queue nobody works off: what the command does not do, stays undone
    exact, near = make_record(personas.school), make_record(personas.school, name="刘欣怡")
    told = make_student(near)
    rows = [photo_row(exact, 1), photo_row(near, 2, XM="刘心怡")]
    (tmp_path / "b.zip").write_bytes(
        batch_zip(rows, {r["ZPWJ"]: p for r, p in zip(rows, photo_set(2), strict=True)})
    )
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_photos", str(tmp_path / "b.zip"), agency="xinhua-bj", stdout=out)
    assert "关联引擎：新关联 1，" in out.getvalue()
    assert Photo.objects.get(collection_no="CJ000002").record == near
    assert Message.objects.filter(user=told, kind__startswith="photo").exists()  # in the outbox now
    assert not {"link_run", "photos_ready"} & set(_queued(default_task_backend))


def test_an_engine_that_fails_after_the_import_leaves_it_to_the_worker(
    tmp_path, personas, settings, monkeypatch
):
    """The import has committed: its summary still prints, exit 0, and the run is queued instead."""
    from django_tasks import default_task_backend

    import gradphoto.linking.engine as engine

    settings.TASKS = DUMMY_TASKS

    def locked(**_: object) -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(engine, "run", locked)
    record = make_record(personas.school)
    rows = [photo_row(record, 1)]
    (tmp_path / "b.zip").write_bytes(batch_zip(rows, {rows[0]["ZPWJ"]: photo_set(1)[0]}))
    out = io.StringIO()
    call_command("import_photos", str(tmp_path / "b.zip"), agency="xinhua-bj", json=True, stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["created"] == 1 and summary["status"] == "done"
    assert summary["linkage"] == {"error": "OperationalError: database is locked", "queued": True}
    assert _queued(default_task_backend) == ["link_run"]
