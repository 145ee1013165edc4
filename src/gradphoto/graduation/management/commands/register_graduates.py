"""`gradphoto register-graduates FILE --school CODE [--graduated-on DATE] [--json]` (学历电子注册)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from gradphoto.common.dbstate import require_database
from gradphoto.common.errors import DomainError
from gradphoto.common.rowcheck import parse_date
from gradphoto.graduation.models import Completion, RegistrationBatch, SchoolType
from gradphoto.graduation.registration import graduates_register, options_for
from gradphoto.graduation.uploads import records_by_student_no, student_numbers
from gradphoto.organisations.models import Organisation, OrgKind

EXIT_UNUSABLE = 2


class Command(BaseCommand):
    help = "Register the graduates named in a file of 学号 (one per line, or CSV/XLSX with column XH)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--school", required=True, help="院校代码 (5 digits)")
        parser.add_argument(
            "--graduated-on", default="", help="YYYY-MM-DD; default: each record's expected date"
        )
        parser.add_argument("--completion", default=Completion.GRADUATED, choices=Completion.values)
        parser.add_argument("--school-type", default="", choices=["", *SchoolType.values])
        parser.add_argument("--override-reason", default="", help="documented school override (no verdict)")
        parser.add_argument("--json", action="store_true", help="print one JSON summary")

    def handle(self, *args: Any, **options: Any) -> None:
        require_database()
        school = Organisation.objects.filter(code=options["school"], kind=OrgKind.SCHOOL).first()
        if school is None:
            self._unusable("unknown_school", f"找不到代码为 {options['school']} 的学校")
        assert school is not None
        graduated_on = parse_date(options["graduated_on"]) if options["graduated_on"] else None
        if options["graduated_on"] and graduated_on is None:
            self._unusable("bad_date", "毕业日期应为 YYYY-MM-DD 或 YYYYMMDD")
        path = Path(options["file"])
        try:
            numbers, refused = student_numbers(path.read_bytes(), path.name)
            chosen = options_for(
                school,
                graduated_on=graduated_on,
                completion=options["completion"],
                school_type=options["school_type"],
                override_reason=options["override_reason"],
            )
        except OSError:
            self._unusable("no_file", f"文件不存在或无法读取：{path}")
        except DomainError as error:
            self._unusable(error.code, error.message)
        ids, unknown = records_by_student_no(school, numbers)
        batch = graduates_register(
            staff=None,
            school=school,
            record_ids=ids,
            options=chosen,
            source="cli",
            pre_refused=refused + unknown,
        )
        self._print(batch, options["json"])

    def _print(self, batch: RegistrationBatch, as_json: bool) -> None:
        summary = {
            "batch": batch.pk,
            "requested": batch.requested,
            "registered": batch.registered,
            "unchanged": batch.unchanged,
            "refused": batch.refused,
            "refusals": batch.refusals,
        }
        if as_json:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        self.stdout.write(
            f"登记 #{batch.pk}：注册 {batch.registered}，已注册 {batch.unchanged}，未注册 {batch.refused}"
        )
        for refusal in batch.refusals:
            self.stdout.write(f"  {refusal['student_no']}  {'；'.join(refusal['messages'])}")

    def _unusable(self, code: str, message: str) -> None:
        self.stderr.write(f"{message} ({code})")
        sys.exit(EXIT_UNUSABLE)
