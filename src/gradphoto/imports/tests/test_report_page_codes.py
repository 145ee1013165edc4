"""Row errors name the column as the file did (身份证号 (SFZH)); the English UI explains every code the
importers can produce beside the stored Chinese message; the stored errors and `--json` keep the codes."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from gradphoto.imports.explain import CODE_TEXTS
from gradphoto.imports.models import ImportJob
from gradphoto.imports.testing import records_csv
from gradphoto.imports.tests.test_job_recovery import finished, report_of
from gradphoto.imports.tests.test_records_import import run, template_rows
from gradphoto.photos import archive

SRC = Path(__file__).resolve().parents[2]
SOURCES = [
    "records",
    "photos",
    "imports",
    "common/tabular.py",
    "common/rowcheck.py",
    "common/idnumber.py",
    "common/images.py",
]
_CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
# Calls that take an error code: RowError(row, field, code, message), RowCheck.fail(field, code, message),
# CheckResult.reject(code, message), DomainError subclasses (code=...), the archive's and the CLI's helpers.
_CALLS = {
    "RowError",
    "fail",
    "reject",
    "_reject",
    "_unusable",
    "IdNumberError",
    "Rejection",
    "DomainError",
    "FileRejected",
    "ArchiveRejected",
    "ImageRejected",
    "NotAllowed",
    "NotFound",
    "Conflict",
}


def _name(node: ast.AST) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _texts(node: ast.AST) -> set[str]:
    """Code-like string constants in an argument; f-strings and %-dict keys are messages, not codes."""
    if isinstance(node, ast.JoinedStr):
        return set()
    if isinstance(node, ast.Constant):
        return {node.value} if isinstance(node.value, str) and _CODE.fullmatch(node.value) else set()
    if isinstance(node, ast.Dict):
        return set().union(*(_texts(v) for v in node.values))
    return set().union(set(), *(_texts(child) for child in ast.iter_child_nodes(node)))


def _codes_in(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) in _CALLS:
            for argument in (*node.args, *(k.value for k in node.keywords)):
                found |= _texts(argument)
        elif isinstance(node, ast.Assign):  # code = "…", failure = "…", class attribute code = "…"
            for target in node.targets:
                values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
                names = target.elts if isinstance(target, ast.Tuple) else [target]
                for name, value in zip(names, values, strict=False):
                    if _name(name) in ("code", "failure") and isinstance(value, ast.Constant):
                        found |= _texts(value)
        elif isinstance(node, ast.Dict):  # {"file": …, "code": "no_record", …}
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "code":
                    found |= _texts(value)
        elif isinstance(node, ast.For) and isinstance(node.target, ast.Tuple):  # for code, what in ((…), …)
            at = [i for i, e in enumerate(node.target.elts) if _name(e) == "code"]
            items = node.iter.elts if isinstance(node.iter, ast.Tuple | ast.List) else []
            for item in items:
                if at and isinstance(item, ast.Tuple):
                    found |= _texts(item.elts[at[0]])
    return found


def importer_codes() -> set[str]:
    files: list[Path] = []
    for source in SOURCES:
        path = SRC / source
        files += [path] if path.is_file() else sorted(path.rglob("*.py"))
    codes: set[str] = set(archive._MESSAGES)
    for path in files:
        if "tests" not in path.parts and "migrations" not in path.parts:
            codes |= _codes_in(ast.parse(path.read_text(encoding="utf-8")))
    return codes


def test_every_code_the_importers_can_produce_has_an_english_sentence():
    codes = importer_codes()
    assert {
        "id_checksum",
        "no_manifest",
        "hair_top",
        "csv_unreadable",
        "no_record",
    } <= codes  # the scan works
    assert sorted(codes - set(CODE_TEXTS)) == []
    with translation.override("en"):
        assert all(str(text).endswith(".") and text == str(text).strip() for text in CODE_TEXTS.values())


@pytest.fixture
def bad_id_job(personas):
    rows = template_rows(personas, 2)
    rows[1]["SFZH"] = rows[1]["SFZH"][:-1] + ("0" if rows[1]["SFZH"][-1] != "0" else "1")
    return finished("records", personas.alice, "xueji.csv", records_csv(rows, labels=True))


def english(client):
    client.post(reverse("set_language"), {"language": "en"})


def test_the_page_names_the_column_by_its_label_with_the_code(client, personas, bad_id_job):
    client.force_login(personas.alice)
    page = client.get(reverse("imports:detail", args=[bad_id_job.pk])).content.decode()
    assert "身份证号 (SFZH)" in page and "身份证号校验位不正确" in page
    assert "The check character" not in page  # Chinese UI: the stored message says it already


def test_the_english_page_explains_each_code_beside_the_chinese_message(client, personas, bad_id_job):
    client.force_login(personas.alice)
    english(client)
    page = client.get(reverse("imports:detail", args=[bad_id_job.pk])).content.decode()
    assert "The check character (the last one) of the ID number is wrong" in page
    assert '<span class="zh-message" lang="zh-Hans">身份证号校验位不正确</span>' in page
    assert "<code>id_checksum</code>" in page


def test_the_report_names_the_column_and_explains_the_code(client, personas, bad_id_job):
    client.force_login(personas.alice)
    english(client)  # the report is the same whatever the page's language
    rows = [[c.value for c in row] for row in report_of(client, bad_id_job)["errors"].iter_rows()]
    assert rows[0] == ["行号 row", "字段 field", "代码 code", "说明 message", "英文说明 explanation"]
    assert rows[1][:4] == [3, "身份证号 (SFZH)", "id_checksum", "身份证号校验位不正确"]
    assert rows[1][4].startswith("The check character")


def test_stored_errors_and_json_keep_the_code_as_the_field(tmp_path, personas, bad_id_job):
    assert bad_id_job.errors[0] == {
        "row": 3,
        "field": "SFZH",
        "code": "id_checksum",
        "message": "身份证号校验位不正确",
    }
    ImportJob.objects.all().delete()
    rows = template_rows(personas, 1)
    rows[0]["SFZH"] = "123"
    _code, summary = run(tmp_path, records_csv(rows))
    assert [sorted(e) for e in summary["errors"]] == [["code", "field", "message", "row"]]
    assert summary["errors"][0]["field"] == "SFZH"
