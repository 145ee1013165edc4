"""Importing 学籍: validate every row, then upsert in one transaction (nothing half-written)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import asdict, fields
from typing import Any

from django.db import transaction
from django.utils import translation

from gradphoto.accounts.models import AccountState, Role, User
from gradphoto.audit.models import AuditEvent
from gradphoto.audit.services import audit_many
from gradphoto.common import clock
from gradphoto.common.tabular import RowError, read_table
from gradphoto.imports.models import ImportJob
from gradphoto.linking.engine.keys import record_keys_fill
from gradphoto.linking.services import photos_link_pending
from gradphoto.notifications.services import notify
from gradphoto.organisations.models import Organisation, OrgKind

from .admission import admission_archive_check, import_admission_photos
from .models import RecordStatus, StudentRecord
from .rows import RECORD_COLUMNS, RecordRow, validate_record_rows
from .warnings import id_name_warnings

# Fields an import may set, and the key fields whose change is a legal matter (DOMAIN.md §5.2).
FIELDS = (
    "exam_no",
    "name",
    "sex",
    "birth_date",
    "id_type",
    "id_number",
    "ethnicity",
    "major",
    "level",
    "study_mode",
    "length_years",
    "enrolled_on",
    "expected_graduation_on",
    "status",
    "status_label",
    "learning_centre_id",
)
KEY_FIELDS = {"name", "sex", "birth_date", "id_number", "major", "level", "study_mode", "length_years"}
CHUNK = 500
# One import is one transaction (nothing half-written): on SQLite 50,000 rows hold the write lock ~6 s and
# 300,000 rows 43 s, past the 30 s other writers wait. 200,000 stays under it; a larger school splits.
MAX_RECORD_ROWS = 200_000
_ROW_FIELDS = [f.name for f in fields(RecordRow) if f.name in FIELDS]


def _chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _values(row: RecordRow, centre_ids: dict[str, int]) -> dict[str, Any]:
    values = {k: getattr(row, k) for k in _ROW_FIELDS}  # not asdict(): it deep-copies every value
    values["learning_centre_id"] = centre_ids.get(row.centre_code) if row.centre_code else None
    return values


def _centres(rows: list[RecordRow], errors: list[RowError]) -> tuple[list[RecordRow], dict[str, int]]:
    codes = {r.centre_code for r in rows if r.centre_code}
    known = dict(
        Organisation.objects.filter(kind=OrgKind.LEARNING_CENTRE, code__in=codes).values_list("code", "pk")
    )
    kept = []
    for row in rows:
        if row.centre_code and row.centre_code not in known:
            errors.append(
                RowError(row.row, "XXZXDM", "unknown_centre", f"学习中心代码 {row.centre_code} 不存在")
            )
        else:
            kept.append(row)
    return kept, known


def import_records(*, job: ImportJob, progress: Callable[[int, int], None]) -> dict[str, Any]:
    """The 学籍 file of one school: row errors reported, valid rows upserted, links refreshed."""
    from gradphoto.imports.services import job_file

    school = job.organisation
    with job_file(job) as handle:
        table = read_table(handle.read(), job.filename, RECORD_COLUMNS, max_rows=MAX_RECORD_ROWS)
    rows, errors = validate_record_rows(table, school_code=school.code, today=clock.today())
    rows, centre_ids = _centres(rows, errors)
    admission_archive_check(job)
    progress(len(table.rows) - len(rows), len(table.rows))  # rejected rows are processed already
    warnings = id_name_warnings(school, rows)  # against the records as they were before this file
    counts = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    # Rows and their accounts in one transaction: a retry finds the rows unchanged, so the accounts
    # could not be relinked later. Linking photos and admission photos after it are idempotent.
    with transaction.atomic():
        # One import per school at a time: two runs of one file would both insert the new rows (their
        # lookups lock nothing that does not exist yet); the second now waits and finds them unchanged.
        Organisation.objects.select_for_update().filter(pk=school.pk).first()
        changed_ids = _upsert(job, school, rows, centre_ids, errors, counts, progress, len(table.rows))
        relinked = _relink(changed_ids, job.created_by, school.name)
    counts["rejected"] = len({e.row for e in errors})
    photos = photos_link_pending(school_ids=[school.pk], actor=job.created_by)
    admission = _admission_photos(job, school)
    extra = {
        "unknown_columns": table.unknown_columns,
        "accounts_relinked": relinked,
        "photos_linked": photos.get("linked", 0),
        "warnings": [asdict(w) for w in warnings],
        **admission,
    }
    return {
        "counts": counts,
        "errors": [asdict(e) for e in sorted(errors, key=lambda e: e.row)],
        "extra": extra,
    }


def _upsert(
    job: ImportJob,
    school: Organisation,
    rows: list[RecordRow],
    centre_ids: dict[str, int],
    errors: list[RowError],
    counts: dict[str, int],
    progress: Callable[[int, int], None],
    total: int,
) -> list[int]:
    """Create or update every valid row; graduated records never change (DOMAIN BR-A8)."""
    now, actor = clock.now(), job.created_by
    changed: list[int] = []
    done = total - len(rows)
    for chunk in _chunks(rows):
        existing = {
            r.student_no: r
            for r in StudentRecord.objects.select_for_update().filter(
                school=school, student_no__in=[row.student_no for row in chunk]
            )
        }
        new, audits = [], []
        for row in chunk:
            values = _values(row, centre_ids)
            record = existing.get(row.student_no)
            if record is None:
                new.append(
                    StudentRecord(
                        school=school,
                        student_no=row.student_no,
                        collection_uid=secrets.token_hex(8),
                        **values,
                    )
                )
                continue
            diff = _diff(record, values)
            if not diff:
                counts["unchanged"] += 1
            elif record.status == RecordStatus.GRADUATED:
                differs = _named(diff)
                message = f"该学生已毕业，学籍信息不能通过导入修改（与系统不同：{differs}），请走勘误流程"
                errors.append(RowError(row.row, "XH", "graduated_locked", message))
            elif values["status"] == RecordStatus.GRADUATED:  # DOMAIN §6.1: only a registered diploma
                errors.append(RowError(row.row, "XJZT", "graduation_by_import", GRADUATION_BY_IMPORT))
            else:
                # key_version 0: the linkage keys are derived again from the new values on the next run.
                StudentRecord.objects.filter(pk=record.pk).update(updated_at=now, key_version=0, **values)
                counts["updated"] += 1
                changed.append(record.pk)
                audits.append(_event("record.updated", record.pk, diff))
        for record in new:
            record_keys_fill(record)
        created = StudentRecord.objects.bulk_create(new, batch_size=CHUNK)
        counts["created"] += len(created)
        ids = (
            list(
                StudentRecord.objects.filter(
                    school=school, student_no__in=[r.student_no for r in new]
                ).values_list("pk", flat=True)
            )
            if new
            else []
        )
        changed.extend(ids)
        audits.extend(_event("record.created", pk, {}) for pk in ids)
        audit_many(actor=actor, at=now, events=audits)  # one executemany, no model instances
        done += len(chunk)
        progress(done, total)
    return changed


GRADUATION_BY_IMPORT = (
    "在籍学生不能通过学籍导入改为“毕业”：毕业状态由毕业证书电子注册产生（照片已校对），请通过毕业注册办理"
)


def _diff(record: StudentRecord, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Fields the row changes. A status label that means the state already stored (在籍 for 注册学籍,
    毕业 for 已毕业: PRODUCT.md decision 5) is no change: a routine full re-export stays unchanged."""
    diff = {k: (getattr(record, k), v) for k, v in values.items() if getattr(record, k) != v}
    if "status_label" in diff and "status" not in diff:
        del diff["status_label"]
    return diff


def _named(diff: dict[str, tuple[Any, Any]]) -> str:
    """The changed fields by their Chinese names: 姓名、专业."""
    with translation.override("zh-hans"):
        changed = (StudentRecord._meta.get_field(k.removesuffix("_id")) for k in diff if k != "status_label")
        return "、".join(str(getattr(field, "verbose_name", field.name)) for field in changed)


def _event(action: str, pk: int, diff: dict[str, tuple[Any, Any]]) -> tuple[Any, ...]:
    """One audit event for `audit_many`: before/after of the changed fields, and which key fields changed."""
    before = {k: str(old) for k, (old, _new) in diff.items()}
    after = {k: str(new) for k, (_old, new) in diff.items()}
    if diff and KEY_FIELDS & diff.keys():
        after["key_fields_changed"] = ",".join(sorted(KEY_FIELDS & diff.keys()))
    return (action, StudentRecord, pk, before, after)


@transaction.atomic
def _relink(record_ids: list[int], actor: Any, school_name: str) -> int:
    """Give changed records the live account with their exact (name, ID), in bulk (DOMAIN BR-B9); the
    student whose account a change left unlinked is told why the record left 学籍信息, after commit."""
    changed = 0
    for chunk in _chunks(record_ids):
        records = list(StudentRecord.objects.select_for_update().filter(pk__in=chunk))
        accounts = {
            (u.real_name, u.id_number): u.pk
            for u in User.objects.filter(
                role=Role.STUDENT,
                account_state=AccountState.ACTIVE,
                id_number__in={r.id_number for r in records},
            )
        }
        left: list[int] = []
        for record in records:
            account_id = accounts.get((record.name, record.id_number))
            if record.account_id != account_id:
                StudentRecord.objects.filter(pk=record.pk).update(account_id=account_id)
                AuditEvent.objects.create(
                    at=clock.now(),
                    actor=actor,
                    actor_role=getattr(actor, "role", "system"),
                    action="record.account_relinked",
                    object_type="records.studentrecord",
                    object_id=str(record.pk),
                    before={"account": record.account_id},
                    after={"account": account_id},
                )
                changed += 1
                if record.account_id is not None:
                    left.append(record.account_id)
        for user in User.objects.filter(pk__in=left):
            notify(
                user=user, kind="record.account_unlinked", subject=UNLINKED_SUBJECT, **_unlinked(school_name)
            )
    return changed


UNLINKED_SUBJECT = "您的学籍信息已由学校更新"


def _unlinked(school_name: str) -> dict[str, str]:
    body = (
        f"{school_name}更新了您的学籍信息（姓名或身份证号），与您账户上的信息不再一致，"
        "因此学籍信息页暂时看不到这条学籍。若学校的更新无误（例如您已改名），请在“账户”页申请更正身份信息；"
        "若有误，请联系学校。"
    )
    return {"body": body, "sms": f"【学历图像校对】{school_name}更新了您的学籍信息，请登录查看“账户”页。"}


def _admission_photos(job: ImportJob, school: Organisation) -> dict[str, Any]:
    return import_admission_photos(job=job, school=school) if job.extra_file else {}
