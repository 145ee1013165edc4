"""Progress of verification per school and learning centre (read-only; ISSUE 4 "progress view")."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from gradphoto.accounts.models import User
from gradphoto.photos.models import LinkState, Photo
from gradphoto.records.models import RecordStatus, StudentRecord
from gradphoto.records.selectors import records_visible_to
from gradphoto.verification.models import Conclusion


@dataclass(frozen=True)
class ProgressRow:
    label: str
    total: int
    verified: int
    wrong: int
    pending: int
    unlinked: int

    def percent(self, part: int) -> int:
        return round(part * 100 / self.total) if self.total else 0

    @property
    def bars(self) -> list[tuple[str, int, float, float]]:
        """(key, count, width, offset) of each stacked segment, in percent of the row."""
        segments, offset = [], 0.0
        for key in ("verified", "wrong", "pending", "unlinked"):
            count = getattr(self, key)
            width = count * 100 / self.total if self.total else 0.0
            segments.append((key, count, round(width, 2), round(offset, 2)))
            offset += width
        return segments


def _annotated(records: QuerySet[StudentRecord]) -> QuerySet[StudentRecord]:
    live = Conclusion.objects.filter(record=OuterRef("pk"), deleted_at=None)
    return records.filter(status=RecordStatus.REGISTERED).annotate(
        has_photo=Exists(Photo.objects.filter(record=OuterRef("pk"), link_state=LinkState.LINKED)),
        is_correct=Exists(live.filter(verdict="correct")),
        is_wrong=Exists(live.filter(verdict="wrong")),
    )


def _rows(records: QuerySet[StudentRecord], key: str, label: str) -> list[ProgressRow]:
    grouped = (
        _annotated(records)
        .values(key, label)
        .annotate(
            total=Count("pk"),
            verified=Count("pk", filter=Q(has_photo=True, is_correct=True)),
            wrong=Count("pk", filter=Q(has_photo=True, is_wrong=True)),
            pending=Count("pk", filter=Q(has_photo=True, is_correct=False, is_wrong=False)),
            unlinked=Count("pk", filter=Q(has_photo=False)),
        )
        .order_by(label)
    )
    return [
        ProgressRow(
            label=g[label] or "—",
            total=g["total"],
            verified=g["verified"],
            wrong=g["wrong"],
            pending=g["pending"],
            unlinked=g["unlinked"],
        )
        for g in grouped
    ]


def progress_for(user: User) -> dict[str, list[ProgressRow]]:
    """Registered students in the user's scope, by school and by learning centre, in two queries."""
    records = records_visible_to(user)
    return {
        "schools": _rows(records, "school_id", "school__name"),
        "centres": _rows(
            records.exclude(learning_centre=None), "learning_centre_id", "learning_centre__name"
        ),
    }
