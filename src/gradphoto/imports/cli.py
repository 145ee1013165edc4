"""What the import commands share: run a job in this process and print the PRODUCT.md summary."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from gradphoto.common.dbstate import NO_DATABASE, unmigrated
from gradphoto.common.errors import DomainError
from gradphoto.organisations.models import Organisation, OrgKind

from .models import JobStatus
from .services import job_create, job_run, link_after

EXIT_UNUSABLE = 2


def summary_of(job: Any) -> dict[str, Any]:
    """Counts at the top level (and under "counts"), then the row errors (PRODUCT.md "--json")."""
    summary = dict(job.summary)
    counts = {k: int(summary.pop(k, 0)) for k in ("created", "updated", "unchanged", "rejected")}
    return {
        **counts,
        "counts": counts,
        "errors": job.errors,
        "file_error": job.file_error or None,
        "job": job.pk,
        "status": job.status,
        **summary,
    }


def run_import_command(
    command: BaseCommand,
    *,
    kind: str,
    path: str,
    org_code: str,
    org_kind: str,
    as_json: bool,
    extra: str | None = None,
) -> None:
    if unmigrated():
        _unusable(command, as_json, "no_database", NO_DATABASE)
    organisation = Organisation.objects.filter(code=org_code, kind=org_kind).first()
    if organisation is None:
        _unusable(command, as_json, "unknown_organisation", _no_such(org_code, org_kind))
    for given, what in ((path, "文件"), (extra, "录取照片压缩包")):
        if given and not Path(given).is_file():
            state = "路径是一个目录" if Path(given).is_dir() else "不存在"
            _unusable(command, as_json, "no_file", f"{what}{state}：{given}")
    file, extra_bytes = Path(path), Path(extra).read_bytes() if extra else None
    try:
        job = job_create(
            kind=kind,
            organisation=organisation,
            user=None,
            filename=file.name,
            data=file.read_bytes(),
            extra=extra_bytes,
            enqueue=False,
        )
    except DomainError as error:
        _unusable(command, as_json, error.code, error.message)
    job = job_run(job.pk, link_in_background=False)
    summary = summary_of(job)
    if (linkage := link_after(job)) is not None:
        summary["linkage"] = linkage  # the engine's run after the exact rules (README.md)
    if as_json:
        command.stdout.write(json.dumps(summary, ensure_ascii=False, default=str))
    else:
        _human(command, summary)
    if job.status == JobStatus.REJECTED:
        command.stderr.write(f"文件无法使用：{job.file_error['message']} ({job.file_error['code']})")
        sys.exit(EXIT_UNUSABLE)


def _no_such(code: str, kind: str) -> str:
    """找不到…, or what the code is instead (`--school xinhua-bj` names an agency)."""
    wanted = OrgKind(kind).label
    other = Organisation.objects.filter(code=code).exclude(kind=kind).first()
    if other is not None:
        return f"{code}（{other.name}）是{OrgKind(other.kind).label}，不是{wanted}"
    return f"找不到代码为 {code} 的{wanted}"


def _unusable(command: BaseCommand, as_json: bool, code: str, message: str) -> None:
    """Exit 2 before a job exists; the JSON has the same shape as a rejected job's."""
    if as_json:
        counts = dict.fromkeys(("created", "updated", "unchanged", "rejected"), 0)
        body: dict[str, Any] = {
            **counts,
            "counts": counts,
            "errors": [],
            "file_error": {"code": code, "message": message},
            "job": None,
            "status": JobStatus.REJECTED,
        }
        command.stdout.write(json.dumps(body, ensure_ascii=False, default=str))
    command.stderr.write(f"文件无法使用：{message} ({code})")
    sys.exit(EXIT_UNUSABLE)


def _human(command: BaseCommand, summary: dict[str, Any]) -> None:
    c = summary["counts"]
    command.stdout.write(
        f"新增 {c['created']}，更新 {c['updated']}，未变 {c['unchanged']}，拒绝 {c['rejected']}"
    )
    if (linkage := summary.get("linkage")) and "error" in linkage:
        later = "已交由后台任务稍后完成" if linkage["queued"] else "请稍后运行 gradphoto link"
        command.stdout.write(f"  关联引擎未能运行（{linkage['error']}），导入已完成；{later}")
    elif linkage:
        command.stdout.write(
            f"  关联引擎：新关联 {linkage['linked']}，重复采集 {linkage['duplicate']}，"
            f"待人工确认 {linkage['suggested']}，仍未关联 {linkage['none']}"
        )
    if unknown := summary.get("unknown_columns"):
        command.stdout.write(f"  已忽略未知列：{'、'.join(unknown)}")
    if unlisted := summary.get("unlisted_files"):
        command.stdout.write(f"  压缩包中有 {len(unlisted)} 个文件未在清单中列出：{'、'.join(unlisted[:20])}")
    for group in summary.get("identical_photos", []):
        command.stdout.write(f"  照片文件完全相同（请核对是否用错了照片）：采集号 {group}")
    for w in summary.get("warnings", [])[:200]:
        command.stdout.write(f"  第 {w['row']} 行 {w['field']} [{w['code']}] 已导入，请核对：{w['message']}")
    for error in summary["errors"][:200]:
        command.stdout.write(f"  第 {error['row']} 行 {error['field']} [{error['code']}] {error['message']}")
    if len(summary["errors"]) > 200:
        command.stdout.write(f"  …… 共 {len(summary['errors'])} 条错误")
