"""学历电子注册 of many graduates at once: gate, certificate numbers, frozen photos (DOMAIN.md §10.1, §15.5).

Records are registered in chunks, one transaction each: the chunk's records are locked, the gate is
evaluated, serials are claimed from the counter rows under a row lock, and the diplomas, the new record
status and the audit rows are written together, while the photos are copied to their frozen names
(`freeze.py`). A failed chunk consumes no serial (the counter update rolls back with it), and the unique
constraint makes a duplicate number impossible; a rolled-back chunk leaves at most unreferenced copies,
which are content-addressed and harmless.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gradphoto.accounts.models import Role, User
from gradphoto.audit.models import AuditEvent
from gradphoto.common import clock
from gradphoto.common.errors import Conflict, DomainError, NotAllowed
from gradphoto.organisations.models import Organisation
from gradphoto.records.models import RecordStatus, StudentRecord

from .freeze import Freezer, frozen_name
from .gate import Gate, Options, gates_for
from .models import (
    EDUCATION_CATEGORIES,
    MAX_SERIAL,
    CertificateCounter,
    Completion,
    DiplomaRecord,
    RegistrationBatch,
    SchoolType,
    VerdictBasis,
)
from .rules import gate_message, setting, stored_message
from .selectors import school_settings

GRADUATED_LABEL = "已毕业"


@dataclass
class _Outcome:
    registered: int = 0
    unchanged: list[str] = field(default_factory=list)
    refusals: list[dict[str, Any]] = field(default_factory=list)

    def refuse(self, record: StudentRecord, problems: list[tuple[str, str]]) -> None:
        self.refusals.append(
            {
                "student_no": record.student_no,
                "name": record.name,
                "codes": [c for c, _m in problems],
                "messages": [stored_message(m) for _c, m in problems],
            }
        )

    def merge(self, other: _Outcome) -> None:
        self.registered += other.registered
        self.unchanged.extend(other.unchanged)
        self.refusals.extend(other.refusals)


def refusal(student_no: str, code: str, detail: str = "") -> dict[str, Any]:
    """A refusal for a line that names no record of the school (unknown 学号, numeric cell)."""
    message = stored_message(gate_message(code, detail))
    return {"student_no": student_no, "name": "", "codes": [code], "messages": [message]}


def options_for(
    school: Organisation,
    *,
    graduated_on: Any = None,
    completion: str = Completion.GRADUATED,
    school_type: str = "",
    override_reason: str = "",
) -> Options:
    """The registration options, checked, with the school's settings filled in."""
    if completion not in Completion.values:
        raise DomainError(_("Choose 毕业 or 结业."), code="bad_completion")
    prefs = school_settings(school)
    school_type = school_type or prefs.school_type
    if school_type not in SchoolType.values:
        raise DomainError(_("Unknown school type."), code="bad_school_type")
    return Options(
        graduated_on=graduated_on,
        completion=completion,
        school_type=school_type,
        override_reason=override_reason.strip(),
        president_name=prefs.president_name,
    )


def graduates_register(
    *,
    staff: User | None,
    school: Organisation,
    record_ids: list[int],
    options: Options,
    source: str,
    pre_refused: list[dict[str, Any]] | None = None,
) -> RegistrationBatch:
    """Register every record that passes the gate; list the others with reasons; twice does nothing."""
    if staff is not None and (staff.role != Role.UNIVERSITY_STAFF or staff.organisation_id != school.pk):
        raise NotAllowed(_("Only the school's own staff register its graduates."), code="not_allowed")
    ids = _own_ids(school, record_ids)
    batch = RegistrationBatch.objects.create(
        school=school,
        requested_by=staff,
        created_at=clock.now(),
        source=source,
        graduated_on=options.graduated_on,
        completion=options.completion,
        school_type=options.school_type,
        override_reason=options.override_reason,
        requested=len(ids) + len(pre_refused or []),
    )
    outcome = _Outcome(refusals=list(pre_refused or []))
    run = _Run(batch=batch, school=school, options=options, staff=staff, freezer=Freezer())
    size = int(setting("REGISTRATION_CHUNK"))
    try:
        for start in range(0, len(ids), size):
            _chunk(ids[start : start + size], run, outcome)
    except (
        IntegrityError
    ) as error:  # a number taken outside the counter (legacy data): stop, keep what is done
        raise Conflict(_("A certificate number is already in use."), code="certificate_conflict") from error
    finally:
        run.freezer.close()
        _close(batch, outcome)
    return batch


@dataclass
class _Run:
    batch: RegistrationBatch
    school: Organisation
    options: Options
    staff: User | None
    freezer: Freezer


class _CopyFailed(Exception):
    def __init__(self, photo_ids: set[int]) -> None:
        super().__init__(f"photos not frozen: {sorted(photo_ids)}")
        self.photo_ids = photo_ids


def _own_ids(school: Organisation, record_ids: list[int]) -> list[int]:
    """The ids that name records of the school, in the order given, each once (others are ignored)."""
    wanted, own = list(dict.fromkeys(record_ids)), list[int]()
    for start in range(0, len(wanted), 5000):  # SQLite caps the parameters of one query
        part = wanted[start : start + 5000]
        found = set(StudentRecord.objects.filter(school=school, pk__in=part).values_list("pk", flat=True))
        own.extend(pk for pk in part if pk in found)
    return own


def _close(batch: RegistrationBatch, outcome: _Outcome) -> None:
    batch.registered = outcome.registered
    batch.unchanged = len(outcome.unchanged)
    batch.refused = len(outcome.refusals)
    batch.refusals = outcome.refusals
    batch.unchanged_student_nos = outcome.unchanged
    batch.save(update_fields=["registered", "unchanged", "refused", "refusals", "unchanged_student_nos"])


def _chunk(ids: list[int], run: _Run, outcome: _Outcome) -> None:
    """One transaction; if a photo cannot be copied, again without it (refused as unreadable)."""
    unreadable: set[int] = set()
    for _attempt in range(3):
        attempt = _Outcome()
        try:
            with transaction.atomic():
                _register(ids, run, attempt, unreadable)
        except _CopyFailed as error:
            unreadable |= error.photo_ids
            continue
        outcome.merge(attempt)
        return
    raise Conflict(_("The photos could not be frozen; please try again."), code="photo_unreadable")


def _pending(ids: list[int], outcome: _Outcome) -> list[StudentRecord]:
    """The chunk's records, locked, without a diploma; those with one are 'unchanged' (idempotence)."""
    records = list(StudentRecord.objects.select_for_update().filter(pk__in=ids).order_by("student_no"))
    done = set(DiplomaRecord.objects.filter(record_id__in=ids).values_list("record_id", flat=True))
    outcome.unchanged.extend(r.student_no for r in records if r.pk in done)
    return [r for r in records if r.pk not in done]


def _register(ids: list[int], run: _Run, outcome: _Outcome, unreadable: set[int]) -> None:
    """Inside the chunk's transaction: gate, copies in the background, numbers, rows."""
    gates = gates_for(_pending(ids, outcome), run.options, clock.today())
    ready: list[Gate] = []
    for gate in gates.values():
        if gate.ok and gate.photo is not None and gate.photo.pk in unreadable:
            gate.refuse("photo_unreadable")
        if gate.ok:
            ready.append(gate)
        else:
            outcome.refuse(gate.record, gate.problems)
    run.freezer.start([g.photo for g in ready if g.photo is not None])
    try:
        _write(ready, run, outcome)
    finally:
        failed = run.freezer.failures()  # no copy outlives the attempt that started it
    if failed:
        raise _CopyFailed(failed)


def _write(ready: list[Gate], run: _Run, outcome: _Outcome) -> None:
    """Numbers, diplomas, record status and audit rows, in bulk."""
    series: dict[tuple[int, str], list[Gate]] = defaultdict(list)
    for gate in ready:
        assert gate.graduated_on is not None
        series[(gate.graduated_on.year, gate.level_code)].append(gate)
    now, diplomas, records = clock.now(), [], {}
    # Counters are locked in one order so two registrations of the same school cannot deadlock.
    for (year, level_code), gates in sorted(series.items()):
        first = _claim(run.school.pk, run.options.school_type, year, level_code, len(gates))
        for offset, gate in enumerate(gates):
            if first + offset > MAX_SERIAL:
                outcome.refuse(gate.record, [("serials_exhausted", gate_message("serials_exhausted"))])
                continue
            serial = f"{year:04d}{level_code}{first + offset:06d}"
            number = f"{run.school.code}{run.options.school_type}{serial}"
            diplomas.append(_diploma(gate, run, number, now))
            records[gate.record.pk] = gate.record
    DiplomaRecord.objects.bulk_create(diplomas)
    StudentRecord.objects.filter(pk__in=[d.record_id for d in diplomas]).update(
        status=RecordStatus.GRADUATED, status_label=GRADUATED_LABEL, updated_at=now
    )
    _audit(diplomas, records, run.staff, now)
    outcome.registered += len(diplomas)


def _claim(school_id: int, school_type: str, year: int, level_code: str, count: int) -> int:
    """Take ``count`` serials of a series under the counter's row lock; returns the first one."""
    key: dict[str, Any] = dict(school_id=school_id, school_type=school_type, year=year, level_code=level_code)
    counter = CertificateCounter.objects.select_for_update().filter(**key).first()
    if counter is None:
        try:
            with transaction.atomic():
                counter = CertificateCounter.objects.create(**key)
        except IntegrityError:  # a concurrent first registration of the series created it
            counter = CertificateCounter.objects.select_for_update().get(**key)
    first = counter.last_serial + 1
    counter.last_serial = min(MAX_SERIAL, counter.last_serial + count)
    counter.save(update_fields=["last_serial"])
    return first


def _diploma(gate: Gate, run: _Run, number: str, now: dt.datetime) -> DiplomaRecord:
    record, options, photo = gate.record, run.options, gate.photo
    assert gate.graduated_on is not None and photo is not None
    # Foreign keys by id: a descriptor per relation per row is a tenth of a large registration.
    return DiplomaRecord(
        record_id=record.pk,
        school_id=run.school.pk,
        certificate_no=number,
        name=record.name,
        sex=record.sex,
        birth_date=record.birth_date,
        id_number=record.id_number,
        school_name=run.school.name,
        president_name=options.president_name.strip(),
        level=record.level,
        level_code=gate.level_code,
        school_type=options.school_type,
        education_category=EDUCATION_CATEGORIES[options.school_type],
        major=record.major,
        study_mode=record.study_mode,
        length_years=record.length_years,
        enrolled_on=record.enrolled_on,
        graduated_on=gate.graduated_on,
        completion=options.completion,
        source_photo_id=photo.pk,
        photo_file=frozen_name(photo.sha256),
        photo_sha256=photo.sha256,
        verdict_basis=gate.verdict_basis,
        conclusion_id=gate.conclusion.pk if gate.conclusion else None,
        override_reason=options.override_reason if gate.verdict_basis == VerdictBasis.OVERRIDE else "",
        face_basis=gate.face_basis,
        face_check_id=gate.face_check.pk if gate.face_check else None,
        face_recheck_id=gate.recheck.pk if gate.recheck else None,
        batch_id=run.batch.pk,
        registered_by_id=run.staff.pk if run.staff else None,
        registered_at=now,
        updated_at=now,
    )


def _audit(
    diplomas: list[DiplomaRecord], records: dict[int, StudentRecord], staff: User | None, now: dt.datetime
) -> None:
    """One audit row per graduate, the record's before and after with the diploma's key facts.

    The rows are those `audit_record` writes, created in one statement: a row per call would cost a
    third of a 100,000-graduate registration (bench/graduation.py).
    """
    actor = staff if staff is not None and staff.is_authenticated else None
    AuditEvent.objects.bulk_create(
        AuditEvent(
            at=now,
            actor=actor,
            actor_role=actor.role if actor else "system",
            action="record.graduated",
            object_type=StudentRecord._meta.label_lower,
            object_id=str(d.record_id),
            before={"status": records[d.record_id].status, "status_label": records[d.record_id].status_label},
            after={
                "status": RecordStatus.GRADUATED.value,
                "status_label": GRADUATED_LABEL,
                "diploma": d.pk,
                "certificate_no": d.certificate_no,
                "graduated_on": d.graduated_on.isoformat(),
                "photo_sha256": d.photo_sha256,
                "verdict_basis": d.verdict_basis,
                "override_reason": d.override_reason,
                "face_basis": d.face_basis,
            },
        )
        for d in diplomas
    )
