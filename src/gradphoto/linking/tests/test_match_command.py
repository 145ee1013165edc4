"""`gradphoto match`: the same engine on files, offline; output format and exit codes (PRODUCT.md)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gradphoto.linking.tests.test_engine import an_id, substituted
from gradphoto.photos.models import Photo
from gradphoto.records.models import StudentRecord

pytestmark = pytest.mark.django_db
RECORD_HEADER = "YXDM,XH,XM,XB,CSRQ,SFZH,ZYMC,CC,XXXS,XZ,RXRQ"
MANIFEST_HEADER = "CJH,YXDM,XH,XM,SFZH,CJRQ,ZPWJ"


def record_line(no: str, name: str, number: str) -> str:
    sex = "男" if int(number[16]) % 2 else "女"
    return f"10001,{no},{name},{sex},{number[6:14]},{number},法学,本科,普通全日制,4,20220901"


@pytest.fixture
def files(tmp_path):
    zhang, li, chen = an_id(301), an_id(303, area="320102"), an_id(305, area="440106")
    records = [
        RECORD_HEADER,
        record_line("S1", "张伟", zhang),
        record_line("S2", "李娜", li),
        record_line("S3", "陈静", chen),
        "10001,S4,坏行,男,2003,,法学,本科,普通全日制,4,20220901",
        record_line("S5", "王芳", an_id(307, area="310101")),
    ]
    manifest = [
        MANIFEST_HEADER,
        f"CJ1,10001,S1,张玮,{zhang},20250301,a.jpg",  # homophone: linked
        f"CJ2,10001,,李娜,{substituted(li)},20250301,b.jpg",  # one digit: linked
        "CJ3,10001,,陈静,,20250301,c.jpg",  # no ID, no student number: suggested
        f"CJ4,10001,,吴昊,{an_id(401, area='510104')},20250301,d.jpg",  # not in the register
        f"CJ5,10001,S1,,{zhang},20250301,e.jpg",  # no name: the row cannot be matched
        "CJ6,10001,,张伟,1.10105E+17,20250301,f.jpg",  # ID as typed (Excel-damaged), name only
        "CJ7,10001,S5,王芳,1.10105E+17,20250301,g.jpg",  # damaged ID, name and student number agree
    ]
    (tmp_path / "records.csv").write_text("\n".join(records), encoding="utf-8")
    (tmp_path / "manifest.csv").write_text("\n".join(manifest), encoding="gb18030")
    return tmp_path


def match(folder, records="records.csv", collections="manifest.csv") -> list[dict[str, str]]:
    out = folder / "out.csv"
    call_command(
        "match",
        records=str(folder / records),
        collections=str(folder / collections),
        out=str(out),
        stdout=io.StringIO(),
    )
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "CJH,decision,YXDM,XH,score,reason"
    return list(csv.DictReader(io.StringIO(text)))


def test_it_writes_one_row_per_manifest_row_in_order(files):
    rows = match(files)
    assert [r["CJH"] for r in rows] == ["CJ1", "CJ2", "CJ3", "CJ4", "CJ5", "CJ6", "CJ7"]
    by = {r["CJH"]: r for r in rows}
    assert (by["CJ1"]["decision"], by["CJ1"]["YXDM"], by["CJ1"]["XH"]) == ("linked", "10001", "S1")
    assert "name:pinyin" in by["CJ1"]["reason"] and float(by["CJ1"]["score"]) > 20
    assert (by["CJ2"]["decision"], by["CJ2"]["XH"]) == ("linked", "S2")
    assert "id:one_edit" in by["CJ2"]["reason"]
    assert (by["CJ3"]["decision"], by["CJ3"]["XH"]) == ("suggested", "S3")
    assert by["CJ4"]["decision"] == "none" and by["CJ4"]["XH"] == ""
    assert (by["CJ5"]["decision"], by["CJ5"]["reason"]) == ("none", "row_error:required")
    assert by["CJ6"]["decision"] in {"suggested", "none"}
    assert by["CJ6"]["reason"].endswith("; row_warning:id_scientific")  # matched without its ID, and says so
    assert "row_warning" not in by["CJ1"]["reason"] + by["CJ5"]["reason"]
    # the importer would reject CJ7 (id_scientific): however well it matches, it is never `linked`
    assert (by["CJ7"]["decision"], by["CJ7"]["XH"]) == ("suggested", "S5")
    assert by["CJ7"]["reason"].endswith("; row_warning:id_scientific")


def test_a_manifest_without_date_and_file_columns_is_matched_alike(files):
    """Matching needs who and where: 采集日期 and 照片文件名 may be left out of the manifest."""
    lines = (files / "manifest.csv").read_text(encoding="gb18030").splitlines()
    short = [",".join(line.split(",")[:5]) for line in lines]
    (files / "short.csv").write_text("\n".join(short), encoding="utf-8")
    assert short[0] == "CJH,YXDM,XH,XM,SFZH"
    assert match(files, collections="short.csv") == match(files)
    lines[1] = lines[1].replace("20250301", "2025/03/01")  # present but damaged: still said
    (files / "bad_date.csv").write_text("\n".join(lines), encoding="utf-8")
    first = match(files, collections="bad_date.csv")[0]
    assert first["decision"] == "suggested" and first["reason"].endswith("row_warning:bad_date")


def test_it_imports_nothing(files):
    match(files)
    assert not StudentRecord.objects.exists() and not Photo.objects.exists()


def test_an_unusable_file_exits_2_with_one_line(files):
    (files / "empty.csv").write_text("", encoding="utf-8")
    (files / "no_columns.csv").write_text("A,B\n1,2\n", encoding="utf-8")
    for records, collections in [
        ("empty.csv", "manifest.csv"),
        ("records.csv", "no_columns.csv"),
        ("missing.csv", "manifest.csv"),
    ]:
        with pytest.raises(CommandError) as raised:
            match(files, records, collections)
        assert raised.value.returncode == 2 and "\n" not in str(raised.value)


def test_the_console_script_exits_2(files, capsys):
    from gradphoto.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["gradphoto", "match", "--records", str(files / "nope.csv"), "--collections", "x", "--out", "y"])
    assert exited.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


@pytest.mark.parametrize("which", ["records", "collections"])
def test_out_naming_an_input_is_refused_and_the_input_kept(files, which):
    source = files / ("records.csv" if which == "records" else "manifest.csv")
    before = source.read_bytes()
    paths = {"records": str(files / "records.csv"), "collections": str(files / "manifest.csv")}
    with pytest.raises(CommandError) as raised:
        call_command("match", **paths, out=str(files / "." / source.name), stdout=io.StringIO())
    assert raised.value.returncode == 2 and "覆盖输入文件" in str(raised.value)
    assert source.read_bytes() == before


def test_a_folder_given_as_a_file_is_named_as_such(files):
    with pytest.raises(CommandError) as raised:
        match(files, records=".")
    assert raised.value.returncode == 2 and "目录" in str(raised.value)


def test_typed_cells_never_reach_excel_as_formulas(tmp_path):
    number = an_id(311)
    (tmp_path / "r.csv").write_text(
        "\n".join([RECORD_HEADER, record_line("=1+2", "张伟", number)]), encoding="utf-8"
    )
    manifest = [
        MANIFEST_HEADER,
        f'"=HYPERLINK(""http://x.cn"",""点我"")",10001,,张伟,{number},20250301,a.jpg',
    ]
    (tmp_path / "m.csv").write_text("\n".join(manifest), encoding="utf-8")
    rows = match(tmp_path, "r.csv", "m.csv")
    assert rows[0]["CJH"] == '\'=HYPERLINK("http://x.cn","点我")'
    assert (rows[0]["decision"], rows[0]["XH"]) == ("linked", "'=1+2")


def test_left_out_record_rows_are_listed_with_their_codes(files):
    err = io.StringIO()
    call_command(
        "match",
        records=str(files / "records.csv"),
        collections=str(files / "manifest.csv"),
        out=str(files / "out.csv"),
        stdout=io.StringIO(),
        stderr=err,
    )
    lines = err.getvalue().splitlines()
    # row 5 (S4): a date of four digits and no ID number; every line names the row, field and code
    assert lines and all(line.startswith("学籍文件第 5 行") for line in lines)
    assert any("身份证号 (SFZH)" in line and line.endswith("[required]") for line in lines)


def test_a_register_without_one_usable_row_exits_2_saying_why(files):
    (files / "bad.csv").write_text(
        "\n".join([RECORD_HEADER, "10001,S4,坏行,男,2003,,法学,本科,普通全日制,4,20220901"]), encoding="utf-8"
    )
    with pytest.raises(CommandError) as raised:
        match(files, records="bad.csv")
    message = str(raised.value)
    assert raised.value.returncode == 2 and "\n" not in message
    assert "1 行有错误" in message and "第 2 行" in message and "[" in message
    assert not (files / "out.csv").exists()


def test_unknown_columns_are_ignored_and_reported(files):
    for name in ("records.csv", "manifest.csv"):
        path = files / name
        encoding = "gb18030" if name == "manifest.csv" else "utf-8"
        lines = path.read_text(encoding=encoding).splitlines()
        path.write_text("\n".join(f"{line},备注" for line in lines), encoding=encoding)
    err, out = io.StringIO(), io.StringIO()
    paths = {"records": str(files / "records.csv"), "collections": str(files / "manifest.csv")}
    call_command("match", **paths, out=str(files / "out.csv"), stdout=out, stderr=err)
    assert "学籍文件中未识别的列（已忽略）：备注" in err.getvalue()
    assert "采集文件中未识别的列（已忽略）：备注" in err.getvalue()
    assert "学籍记录 4 条（有错误未用 1 条）" in out.getvalue()


def test_a_row_the_importer_would_reject_does_not_compete_with_the_good_one(files):
    """CJ2 is the student's collection; CJ9 lacks its ID number (a warning: the upload rejects the row).
    The upload links CJ2, so match must say `linked`, not send both to review as a conflict."""
    li = an_id(303, area="320102")
    (files / "two.csv").write_text(
        "\n".join(
            [MANIFEST_HEADER, f"CJ2,10001,S2,李娜,{li},20250301,b.jpg", "CJ9,10001,S2,李娜,,20250301,i.jpg"]
        ),
        encoding="utf-8",
    )
    rows = {row["CJH"]: row for row in match(files, collections="two.csv")}
    assert rows["CJ2"]["decision"] == "linked"
    assert rows["CJ9"]["decision"] == "suggested" and "row_warning:" in rows["CJ9"]["reason"]
