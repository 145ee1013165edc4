"""`gradphoto match` on files: a 学籍 table and a collection manifest, offline, nothing imported.

Both files are read with the importers' reader and validators (common.tabular, records.rows,
photos.manifest). Record rows with errors are left out of the register. Manifest rows keep their ID
as typed (an ID error is exactly what matching is for); a row missing what matching needs (采集号,
院校代码, 姓名) is answered `none` with the validator's code.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

from gradphoto.common.export import excel_safe
from gradphoto.common.tabular import RowError, Table, read_table
from gradphoto.photos.manifest import MANIFEST_COLUMNS, validate_manifest_rows
from gradphoto.records.rows import RECORD_COLUMNS, RecordRow, validate_record_rows

from .compare import Identity
from .decide import LINKED, NONE, SUGGESTED, Decision, evidence_text
from .memory import link_identities, no_gc
from .normalise import birth_of, id_is_valid, id_key, normalise_name, pinyin_key

HEADER = ["CJH", "decision", "YXDM", "XH", "score", "reason"]
FATAL_FIELDS = {"CJH", "YXDM", "XM"}
# Matching needs who was photographed and where, not when or which file: a manifest without 采集日期 or
# 照片文件名 columns is matched as it is (a present but damaged one is still reported).
NOT_NEEDED = {"CJRQ", "ZPWJ"}
MATCH_COLUMNS = [replace(c, required=False) if c.code in NOT_NEEDED else c for c in MANIFEST_COLUMNS]


@dataclass
class Register:
    """The usable record rows, how many were left out, and why (each problem of those rows)."""

    records: list[RecordRow]
    rejected: int
    errors: list[RowError] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)  # ignored, and reported


def read_register(data: bytes, filename: str, today: dt.date) -> Register:
    """Every school's rows validated with its own code (a file may hold several schools)."""
    table = read_table(data, filename, RECORD_COLUMNS, max_rows=2_000_000)
    by_school: dict[str, list] = defaultdict(list)
    for number, cells in table.rows:
        by_school[cells["YXDM"].text].append((number, cells))
    register = Register([], 0, unknown_columns=table.unknown_columns)
    for code, rows in by_school.items():
        part = Table(rows=rows, unknown_columns=table.unknown_columns, encoding=table.encoding)
        valid, errors = validate_record_rows(part, school_code=code, today=today)
        register.records.extend(valid)
        register.rejected += len({e.row for e in errors})
        register.errors.extend(errors)
    register.errors.sort(key=lambda e: e.row)
    return register


def record_identity(pk: int, row: RecordRow) -> Identity:
    """A register row as the engine sees it (keys computed as keys.record_identity does)."""
    key = row.id_number if row.id_type == "居民身份证" else ""
    name = normalise_name(row.name)
    return Identity(
        pk=pk,
        school=row.school_code,
        name=name,
        pinyin_key=pinyin_key(name),
        id_key=key,
        id_valid=bool(key),
        birth_key=row.birth_date.strftime("%Y%m%d"),
        student_no=row.student_no,
    )


@dataclass
class Manifest:
    """Every manifest row as a photo identity (pk = the row number), its 采集号, fatal row errors, and
    the others (a damaged ID, a bad date: the row is still matched on what is left, and says so)."""

    photos: list[Identity]
    collection_nos: dict[int, str]
    fatal: dict[int, str]
    warnings: dict[int, str] = field(default_factory=dict)
    unknown_columns: list[str] = field(default_factory=list)  # ignored, and reported


def read_manifest(data: bytes, filename: str, today: dt.date) -> Manifest:
    """The ID is kept as typed; a row missing what matching needs keeps the validator's error code."""
    table = read_table(data, filename, MATCH_COLUMNS, max_rows=2_000_000)
    _, errors = validate_manifest_rows(table, today=today)
    fatal: dict[int, str] = {}
    warnings: dict[int, str] = {}
    absent = NOT_NEEDED - set(table.present_columns)
    for error in (e for e in errors if e.field not in absent):
        (fatal if error.field in FATAL_FIELDS else warnings).setdefault(error.row, error.code)
    photos = []
    for number, cells in table.rows:
        key = id_key(cells["SFZH"].text)
        name = normalise_name(cells["XM"].text)
        photos.append(
            Identity(
                pk=number,
                school=cells["YXDM"].text,
                name=name,
                pinyin_key=pinyin_key(name),
                id_key=key,
                id_valid=id_is_valid(key),
                birth_key=birth_of(key),
                student_no=cells["XH"].text,
            )
        )
    numbers = {number: cells["CJH"].text for number, cells in table.rows}
    return Manifest(photos, numbers, fatal, warnings, table.unknown_columns)


def match_files(register: Register, manifest: Manifest) -> tuple[str, Counter[str]]:
    """The result CSV (PRODUCT.md "Match result"), one row per manifest row in file order; the counts."""
    records = dict(enumerate(register.records, start=1))
    usable = [p for p in manifest.photos if p.pk not in manifest.fatal]
    # A row with a warning is one the importer rejects: it will not be there to compete with the others
    # for a record (a conflict), so it is matched on its own, and at most suggested (below).
    clean = [p for p in usable if p.pk not in manifest.warnings]
    warned = [p for p in usable if p.pk in manifest.warnings]
    with no_gc():
        identities = [record_identity(pk, row) for pk, row in records.items()]
        decisions = {d.photo.pk: d for d in link_identities(clean, identities)}
        decisions |= {d.photo.pk: d for d in link_identities(warned, identities)}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    counts: Counter[str] = Counter()
    for photo in manifest.photos:
        cjh = manifest.collection_nos[photo.pk]
        row = _result_row(cjh, decisions.get(photo.pk), records, manifest.fatal.get(photo.pk))
        if (warning := manifest.warnings.get(photo.pk)) and photo.pk not in manifest.fatal:
            row[-1] = f"{row[-1]}; row_warning:{warning}"
            if row[1] == LINKED:  # the importer rejects such a row: it would not link automatically
                row[1] = SUGGESTED
        counts[row[1]] += 1
        writer.writerow([excel_safe(cell) for cell in row])  # 采集号 and 学号 are typed by people
    return out.getvalue(), counts


def _result_row(
    collection_no: str, decision: Decision | None, records: dict[int, RecordRow], error: str | None
) -> list[str]:
    if decision is None or decision.best is None:
        reason = f"row_error:{error}" if error else (decision.reason if decision else "no_candidate")
        return [collection_no, NONE, "", "", "", reason]
    best = decision.best
    record = records[best.record.pk]
    reason = evidence_text(best)
    if decision.decision == SUGGESTED:
        reason = f"{decision.reason}; {reason}"
    return [
        collection_no,
        decision.decision,
        record.school_code,
        record.student_no,
        f"{best.weight:.1f}",
        reason,
    ]
