"""The registration gate (DOMAIN.md §15.5, §6.7, BR-G2), evaluated for many records with a few queries.

A record passes when it is 注册学籍; has a linked photo with a live 照片正确 (or the school documents an
override when the student never verified); the comparison with the admission photo passed, or a
复核结果备案 is filed for this photo, or there is no admission photo; and the diploma data is complete.
Every failed condition is reported with its code and Chinese message, not only the first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from gradphoto.photos.models import FaceCheck, FaceResult, LinkState, Photo
from gradphoto.records.models import RecordStatus, StudentRecord
from gradphoto.verification.models import Conclusion, Verdict

from .models import Completion, FaceBasis, FaceRecheck, SchoolType, VerdictBasis
from .rules import FACE_CODES, FIRST_CERTIFICATE_YEAR, LEVEL_CODES, REQUIRED_FIELDS, gate_message


@dataclass(frozen=True)
class Options:
    """What the school chose for one registration."""

    graduated_on: dt.date | None  # None: each record's own expected graduation date
    completion: str = Completion.GRADUATED
    school_type: str = SchoolType.REGULAR
    override_reason: str = ""
    president_name: str = ""


@dataclass
class Gate:
    record: StudentRecord
    problems: list[tuple[str, str]] = field(default_factory=list)  # (code, message)
    photo: Photo | None = None
    conclusion: Conclusion | None = None
    verdict_basis: str = ""
    face_basis: str = ""
    face_check: FaceCheck | None = None
    recheck: FaceRecheck | None = None
    level_code: str = ""
    graduated_on: dt.date | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def codes(self) -> list[str]:
        return [code for code, _ in self.problems]

    def refuse(self, code: str, detail: str = "") -> None:
        self.problems.append((code, gate_message(code, detail)))


@dataclass
class _Facts:
    photos: dict[int, Photo]
    conclusions: dict[tuple[int, int], Conclusion]
    checks: dict[tuple[int, str], FaceCheck]
    rechecks: dict[tuple[int, int], FaceRecheck]


def _facts(record_ids: list[int]) -> _Facts:
    linked = Photo.objects.filter(record_id__in=record_ids, link_state=LinkState.LINKED)
    photos = {p.record_id: p for p in linked.only("id", "record_id", "sha256", "file") if p.record_id}
    photo_ids = [p.pk for p in photos.values()]
    return _Facts(
        photos=photos,
        conclusions={
            (c.record_id, c.photo_id): c
            for c in Conclusion.objects.filter(record_id__in=record_ids, deleted_at=None).only(
                "id", "record_id", "photo_id", "verdict"
            )
        },
        checks={
            (f.photo_id, f.admission_sha256): f for f in FaceCheck.objects.filter(photo_id__in=photo_ids)
        },
        rechecks={(r.record_id, r.photo_id): r for r in FaceRecheck.objects.filter(record_id__in=record_ids)},
    )


def gates_for(records: Iterable[StudentRecord], options: Options, today: dt.date) -> dict[int, Gate]:
    """The gate of each record (by pk): four queries for any number of records."""
    records = list(records)
    facts = _facts([r.pk for r in records])
    return {r.pk: gate_for(r, facts, options, today) for r in records}


def gate_for(record: StudentRecord, facts: _Facts, options: Options, today: dt.date) -> Gate:
    gate = Gate(record=record)
    if record.status != RecordStatus.REGISTERED:
        gate.refuse("not_registered", record.display_status)
    _photo_and_verdict(gate, facts, options)
    if gate.photo is not None:
        _face(gate, facts)
    _data(gate, options, today)
    return gate


def _photo_and_verdict(gate: Gate, facts: _Facts, options: Options) -> None:
    record = gate.record
    gate.photo = facts.photos.get(record.pk)
    if gate.photo is None:
        gate.refuse("no_photo")
        return
    gate.conclusion = facts.conclusions.get((record.pk, gate.photo.pk))
    if gate.conclusion is None:
        # The documented school override covers a student who never verified, never a 照片错误.
        if options.override_reason.strip():
            gate.verdict_basis = VerdictBasis.OVERRIDE
        else:
            gate.refuse("no_verdict")
    elif gate.conclusion.verdict == Verdict.CORRECT:
        gate.verdict_basis = VerdictBasis.CORRECT
    else:
        gate.refuse("verdict_wrong")


def _face(gate: Gate, facts: _Facts) -> None:
    record, photo = gate.record, gate.photo
    assert photo is not None
    if not record.admission_photo:
        gate.face_basis = FaceBasis.NOT_APPLICABLE
        return
    gate.face_check = facts.checks.get((photo.pk, record.admission_photo_sha256))
    if gate.face_check is not None and gate.face_check.result == FaceResult.PASSED:
        gate.face_basis = FaceBasis.PASSED
        return
    gate.recheck = facts.rechecks.get((record.pk, photo.pk))
    if gate.recheck is not None:
        gate.face_basis = FaceBasis.RECHECK_FILED
    elif gate.face_check is None:
        gate.refuse("face_not_checked")
    else:
        gate.refuse(FACE_CODES.get(gate.face_check.result, "face_failed"))


def _data(gate: Gate, options: Options, today: dt.date) -> None:
    """BR-G2: incomplete diploma data is not registered."""
    record = gate.record
    missing = [label for name, label in REQUIRED_FIELDS.items() if getattr(record, name) in (None, "")]
    if missing:
        gate.refuse("incomplete_data", "、".join(missing))
    gate.level_code = LEVEL_CODES.get(record.level.strip(), "")
    if record.level and not gate.level_code:
        gate.refuse("level_unknown", record.level)
    gate.graduated_on = options.graduated_on or record.expected_graduation_on
    if gate.graduated_on is None:
        gate.refuse("missing_graduation_date")
    elif not (
        FIRST_CERTIFICATE_YEAR <= gate.graduated_on.year <= today.year
        and (record.enrolled_on is None or gate.graduated_on > record.enrolled_on)
    ):
        gate.refuse("bad_graduation_date", f"{gate.graduated_on:%Y-%m-%d}")
    if not options.president_name.strip():
        gate.refuse("missing_president")
