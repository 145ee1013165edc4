"""`gradphoto match --records FILE --collections FILE --out FILE` (PRODUCT.md "Command line")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from gradphoto.common import clock
from gradphoto.common.errors import DomainError
from gradphoto.common.tabular import RowError
from gradphoto.imports.explain import field_label
from gradphoto.linking.engine.files import match_files, read_manifest, read_register

EXIT_UNUSABLE = 2
ERRORS_SHOWN = 20  # left-out record rows listed on stderr; the rest are counted


class Command(BaseCommand):
    help = (
        "Link a collection manifest to 学籍 records offline, without importing; write one CSV row per photo."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--records", required=True, help="学籍 file (CSV or XLSX)")
        parser.add_argument("--collections", required=True, help="manifest file (CSV or XLSX)")
        parser.add_argument("--out", required=True, help="where to write CJH,decision,YXDM,XH,score,reason")

    def handle(self, *args: Any, **options: Any) -> None:
        today = clock.today()
        _refuse_overwriting_an_input(options["out"], options["records"], options["collections"])
        try:
            register = read_register(*_read(options["records"], "学籍文件"), today)
            manifest = read_manifest(*_read(options["collections"], "采集文件"), today)
        except DomainError as error:
            raise CommandError(
                f"文件无法使用：{error.message} ({error.code})", returncode=EXIT_UNUSABLE
            ) from error
        if not register.records:
            first = f"，例如{_line(register.errors[0])}" if register.errors else ""
            raise CommandError(
                f"学籍文件中没有可用的记录行（{register.rejected} 行有错误{first}）", returncode=EXIT_UNUSABLE
            )
        self._report_left_out(register.errors)
        for what, columns in (("学籍文件", register.unknown_columns), ("采集文件", manifest.unknown_columns)):
            if columns:
                self.stderr.write(f"{what}中未识别的列（已忽略）：{'、'.join(columns)}")
        text, counts = match_files(register, manifest)
        try:
            Path(options["out"]).write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"无法写入结果文件：{error}", returncode=EXIT_UNUSABLE) from error
        summary = "，".join(f"{k} {counts.get(k, 0)}" for k in ("linked", "suggested", "none"))
        used, left_out = len(register.records), register.rejected
        self.stdout.write(f"学籍记录 {used} 条（有错误未用 {left_out} 条）；采集行结果：{summary}")

    def _report_left_out(self, errors: list[RowError]) -> None:
        """Each problem of the record rows left out, one line each on stderr (row, field, code, message)."""
        for error in errors[:ERRORS_SHOWN]:
            self.stderr.write(f"学籍文件{_line(error)}")
        if len(errors) > ERRORS_SHOWN:
            self.stderr.write(f"……另有 {len(errors) - ERRORS_SHOWN} 个错误未列出")


def _line(error: RowError) -> str:
    """第 N 行 身份证号 (SFZH)：message [code]"""
    field = f" {field_label(error.field)}" if error.field else ""
    return f"第 {error.row} 行{field}：{error.message} [{error.code}]"


def _read(path: str, what: str) -> tuple[bytes, str]:
    """The file's bytes and name; exit 2 with one line when it cannot be read."""
    file = Path(path)
    if file.is_dir():
        raise CommandError(f"{what}是一个目录，不是文件：{path}", returncode=EXIT_UNUSABLE)
    if not file.is_file():
        raise CommandError(f"{what}不存在：{path}", returncode=EXIT_UNUSABLE)
    return file.read_bytes(), file.name


def _refuse_overwriting_an_input(out: str, *inputs: str) -> None:
    """--out naming one of the input files would replace it with the result: refused before anything."""
    target = Path(out)
    for source in map(Path, inputs):
        if target.exists() and source.exists() and target.resolve() == source.resolve():
            raise CommandError(f"结果文件不能覆盖输入文件：{out}", returncode=EXIT_UNUSABLE)
