"""学籍 imports through the command line: row errors, idempotent upsert, audit, relinking, exit codes."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from gradphoto.audit.models import AuditEvent
from gradphoto.common.testing import make_photo, make_record, make_student, run_gradphoto
from gradphoto.imports.testing import record_row, records_csv, records_xlsx
from gradphoto.photos.models import LinkState
from gradphoto.records.models import RecordStatus, StudentRecord

pytestmark = pytest.mark.django_db


def run(tmp_path, data: bytes, school: str = "10001", name: str = "xueji.csv") -> tuple[int, dict]:
    path = tmp_path / name
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_records", str(path), school=school, json=True, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, json.loads(out.getvalue())


def template_rows(personas, count: int = 3) -> list[dict[str, str]]:
    """Rows for new students, taken from records built and then deleted (valid IDs and dates)."""
    rows = []
    for _ in range(count):
        record = make_record(personas.school)
        rows.append(record_row(record))
        record.delete()
    return rows


def test_it_creates_records_and_reports_bad_rows_with_codes(tmp_path, personas):
    rows = template_rows(personas)
    # a wrong check character; never 0, so that the number cannot end in 000 (then id_excel_truncated)
    rows[2]["SFZH"] = rows[2]["SFZH"][:-1] + ("1" if rows[2]["SFZH"][-1] != "1" else "2")
    code, summary = run(tmp_path, records_csv(rows))
    assert code == 0
    assert (summary["created"], summary["updated"], summary["unchanged"], summary["rejected"]) == (2, 0, 0, 1)
    assert summary["errors"] == [
        {"row": 4, "field": "SFZH", "code": "id_checksum", "message": summary["errors"][0]["message"]}
    ]
    assert "校验" in summary["errors"][0]["message"]
    assert StudentRecord.objects.filter(school=personas.school).count() == 2


def test_the_same_file_twice_changes_nothing_the_second_time(tmp_path, personas):
    data = records_csv(template_rows(personas))
    run(tmp_path, data)
    audits = AuditEvent.objects.count()
    _code, summary = run(tmp_path, data)
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (0, 0, 3)
    new_events = AuditEvent.objects.order_by("id")[audits:]
    assert {e.action for e in new_events} <= {"import.created", "import.done"}


def test_key_field_changes_are_audited_with_before_and_after(tmp_path, personas):
    rows = template_rows(personas, 1)
    run(tmp_path, records_csv(rows))
    rows[0]["ZYMC"] = "经济学"
    _code, summary = run(tmp_path, records_csv(rows))
    assert summary["updated"] == 1
    event = AuditEvent.objects.get(action="record.updated")
    assert event.before == {"major": "法学"} and event.after["major"] == "经济学"
    assert event.after["key_fields_changed"] == "major"


def test_gb18030_and_code_headers_and_xlsx_are_read(tmp_path, personas):
    rows = template_rows(personas, 2)
    assert run(tmp_path, records_csv(rows[:1], encoding="gb18030", labels=False))[1]["created"] == 1
    assert run(tmp_path, records_xlsx(rows[1:]), name="xueji.xlsx")[1]["created"] == 1


def test_numbers_damaged_by_excel_are_rejected_never_repaired(tmp_path, personas):
    rows = template_rows(personas, 3)
    rows[0]["SFZH"] = "1.10105E+17"
    rows[1]["SFZH"] = rows[1]["SFZH"][:15] + "000"
    xlsx_row = dict(rows[2], SFZH=int(rows[2]["SFZH"][:17]))
    _, summary = run(tmp_path, records_csv(rows[:2]))
    codes = {(e["row"], e["code"]) for e in summary["errors"] if e["field"] == "SFZH"}
    # Row 3's padded ID fails its check digit (10 in 11) or, passing by chance, is refused because the
    # file's ID column shows Excel damage (row 2): either way as Excel-truncated, never stored.
    assert codes == {(2, "id_scientific"), (3, "id_excel_truncated")}
    assert summary["rejected"] == 2 and summary["created"] == 0
    _, summary = run(tmp_path, records_xlsx([xlsx_row]), name="x.xlsx")
    assert summary["errors"][0]["code"] == "numeric_cell"


def test_a_graduated_record_is_never_changed_by_an_import(tmp_path, personas):
    record = make_record(personas.school, status=RecordStatus.GRADUATED)
    _, summary = run(tmp_path, records_csv([record_row(record, ZYMC="经济学")]))
    record.refresh_from_db()
    assert record.major == "法学" and summary["errors"][0]["code"] == "graduated_locked"
    assert "专业" in summary["errors"][0]["message"]  # names what differs


def test_an_import_never_graduates_a_registered_student(tmp_path, personas):
    record = make_record(personas.school)
    audits = AuditEvent.objects.count()
    _, summary = run(tmp_path, records_csv([record_row(record, XJZT="毕业")]))
    record.refresh_from_db()
    assert record.status == RecordStatus.REGISTERED and summary["updated"] == 0
    assert [(e["field"], e["code"]) for e in summary["errors"]] == [("XJZT", "graduation_by_import")]
    assert AuditEvent.objects.count() == audits + 2  # the job's own two rows, none for the record


def test_a_status_label_meaning_the_stored_state_is_no_change(tmp_path, personas):
    registered = make_record(personas.school)
    graduated = make_record(personas.school, status=RecordStatus.GRADUATED)
    graduated.status_label = "已毕业"
    graduated.save()
    rows = [record_row(registered, XJZT="在籍"), record_row(graduated, XJZT="毕业")]
    _, summary = run(tmp_path, records_csv(rows))
    assert (summary["unchanged"], summary["updated"], summary["errors"]) == (2, 0, [])


def test_a_missing_required_column_rejects_the_whole_file_with_exit_2(tmp_path, personas):
    data = "院校代码,学号,姓名\n10001,1,张三\n".encode()
    code, summary = run(tmp_path, data)
    assert code == 2 and summary["file_error"]["code"] == "missing_columns"
    assert not StudentRecord.objects.exists()


def test_rows_for_another_school_are_rejected(tmp_path, personas):
    rows = template_rows(personas, 1)
    rows[0]["YXDM"] = "10003"
    _, summary = run(tmp_path, records_csv(rows))
    assert summary["errors"][0]["code"] == "school_mismatch"


def test_a_corrected_name_links_the_waiting_account_and_its_photo(tmp_path, personas):
    record = make_record(personas.school, name="李鸣")
    student = make_student(None, real_name="李明", id_number=record.id_number)
    photo = make_photo(record, personas.agency, name="李明")
    assert photo.link_state == LinkState.UNLINKED
    _, summary = run(tmp_path, records_csv([record_row(record, XM="李明")]))
    record.refresh_from_db()
    photo.refresh_from_db()
    assert summary["updated"] == 1 and record.account == student
    assert photo.link_state == LinkState.LINKED and photo.record == record


def test_a_student_whose_record_a_change_unlinks_is_told_why(tmp_path, personas):
    from gradphoto.linking.services import account_link_records
    from gradphoto.notifications.models import Message

    record = make_record(personas.school, name="张伟")
    student = make_student(record)
    account_link_records(user=student)
    _, summary = run(tmp_path, records_csv([record_row(record, XM="张玮")]))
    record.refresh_from_db()
    assert summary["updated"] == 1 and record.account is None
    [mail] = Message.objects.filter(user=student, channel="email", kind="record.account_unlinked")
    assert personas.school.name in mail.body and "账户" in mail.body
    assert Message.objects.filter(user=student, channel="sms").count() == 1
    run(tmp_path, records_csv([record_row(record, XM="张玮", ZYMC="经济学")]))  # nothing unlinked now
    assert Message.objects.filter(user=student).count() == 2


def test_an_unknown_school_is_exit_2(tmp_path, personas):
    code, summary = run(tmp_path, records_csv(template_rows(personas, 1)), school="99999")
    assert code == 2 and summary["file_error"]["code"] == "unknown_organisation"
    assert "找不到代码为 99999 的" in summary["file_error"]["message"]
    code, summary = run(tmp_path, records_csv(template_rows(personas, 1)), school=personas.agency.code)
    assert code == 2 and summary["file_error"]["code"] == "unknown_organisation"
    assert f"{personas.agency.code}（{personas.agency.name}）是" in summary["file_error"]["message"]
    rejected_job = run(tmp_path, b"YXDM,XH\n10001,1\n")[1]  # a job whose file is refused (no columns)
    assert set(summary) == set(rejected_job) and summary["status"] == rejected_job["status"] == "rejected"


def test_the_plain_summary_reports_unknown_columns(tmp_path, personas):
    lines = records_csv(template_rows(personas, 1)).decode("utf-8-sig").splitlines()
    path = tmp_path / "xueji.csv"
    path.write_text("\n".join([lines[0] + ",备注", lines[1] + ",补录"]), encoding="utf-8")
    out = io.StringIO()
    call_command("import_records", str(path), school="10001", stdout=out)
    assert "新增 1" in out.getvalue() and "已忽略未知列：备注" in out.getvalue()


def test_a_changed_name_or_id_gets_fresh_linkage_keys(tmp_path, personas):
    from gradphoto.linking.engine.keys import KEY_VERSION, keys_refresh
    from gradphoto.linking.engine.normalise import pinyin_key

    rows = template_rows(personas, 2)
    run(tmp_path, records_csv(rows))
    keys_refresh()
    rows[0]["XM"] = "单伟"
    run(tmp_path, records_csv(rows))  # the command runs the engine, whose first step refreshes stale keys
    renamed = StudentRecord.objects.get(student_no=rows[0]["XH"])
    assert renamed.key_version == KEY_VERSION and renamed.pinyin_key == pinyin_key("单伟") == "shanwei"


def test_imported_records_carry_their_linkage_keys(tmp_path, personas):
    from gradphoto.linking.engine.keys import KEY_VERSION, RECORD_FIELDS, keys_refresh, record_identity

    run(tmp_path, records_csv(template_rows(personas, 3)))
    assert keys_refresh() == {"records": 0, "photos": 0}
    for values in StudentRecord.objects.filter(key_version=KEY_VERSION).values_list(*RECORD_FIELDS):
        ident = record_identity(values)
        record = StudentRecord.objects.get(pk=values[0])
        assert (record.id_key, record.birth_key, record.pinyin_key) == (
            ident.id_key,
            ident.birth_key,
            ident.pinyin_key,
        )
    assert StudentRecord.objects.filter(key_version=KEY_VERSION).count() == 3


def test_a_missing_admission_photo_zip_is_exit_2_before_anything_is_written(tmp_path, personas):
    path = tmp_path / "xueji.csv"
    path.write_bytes(records_csv(template_rows(personas, 1)))
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command(
            "import_records",
            str(path),
            school="10001",
            json=True,
            admission_photos=str(tmp_path / "missing.zip"),
            stdout=out,
            stderr=io.StringIO(),
        )
    assert exit_.value.code == 2
    assert json.loads(out.getvalue())["file_error"]["code"] == "no_file"
    assert not StudentRecord.objects.exists()


def test_an_import_into_a_home_without_a_database_says_so_with_exit_2(tmp_path):
    path = tmp_path / "xueji.csv"
    path.write_text("YXDM,XH\n", encoding="utf-8")
    done = run_gradphoto(tmp_path / "home", "import-records", str(path), "--school", "10001", "--json")
    assert done.returncode == 2, done.stderr
    assert json.loads(done.stdout)["file_error"]["code"] == "no_database"
    assert "gradphoto migrate" in done.stderr and "Traceback" not in done.stderr


def test_a_folder_given_as_the_file_is_named_as_such(tmp_path, personas):
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command(
            "import_records", str(tmp_path), school="10001", json=True, stdout=out, stderr=io.StringIO()
        )
    assert exit_.value.code == 2
    error = json.loads(out.getvalue())["file_error"]
    assert error["code"] == "no_file" and "目录" in error["message"]


def test_one_id_under_two_names_is_imported_and_reported_for_checking(client, tmp_path, personas):
    import openpyxl

    from gradphoto.imports.models import ImportJob

    stored = make_record(personas.school, name="王芳")
    rows = template_rows(personas, 3)
    rows[0]["SFZH"] = stored.id_number  # a new student typed with 王芳's ID number
    rows[2]["SFZH"], rows[2]["CSRQ"], rows[2]["XB"] = rows[1]["SFZH"], rows[1]["CSRQ"], rows[1]["XB"]
    rows[0]["CSRQ"], rows[0]["XB"] = stored.birth_date.strftime("%Y%m%d"), stored.sex
    rows[0]["XM"], rows[1]["XM"], rows[2]["XM"] = "李娜", "张伟", "张玮"  # names that differ, for sure
    _, summary = run(tmp_path, records_csv(rows))
    assert (summary["created"], summary["rejected"]) == (3, 0)  # legal: only the school can tell
    found = {(w["row"], w["field"], w["code"]) for w in summary["warnings"]}
    assert found == {(2, "SFZH", "id_other_name"), (4, "SFZH", "id_other_name")}
    assert any(stored.student_no in w["message"] and "王芳" in w["message"] for w in summary["warnings"])
    job = ImportJob.objects.latest("pk")
    client.force_login(personas.alice)
    assert 'id="row-warnings"' in client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("imports:report", args=[job.pk])).content))
    assert [row[2] for row in book["warnings"].iter_rows(min_row=2, values_only=True)] == [
        "id_other_name"
    ] * 2


def test_the_same_person_twice_under_one_name_is_no_warning(tmp_path, personas):
    stored = make_record(personas.school)
    row = template_rows(personas, 1)[0]
    row.update(
        XM=stored.name, SFZH=stored.id_number, CSRQ=stored.birth_date.strftime("%Y%m%d"), XB=stored.sex
    )
    _, summary = run(tmp_path, records_csv([row]))
    assert summary["created"] == 1 and summary["warnings"] == []
