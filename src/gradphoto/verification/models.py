"""Verdicts (校对结论) on a (record, photo) and their history (DOMAIN.md §5.4, §6.4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Verdict(models.TextChoices):
    CORRECT = "correct", _("Photo correct")
    WRONG = "wrong", _("Photo wrong")


class WrongReason(models.TextChoices):
    NONE = "", _("—")
    SWAPPED = "swapped", _("Swapped with another student's photo")
    NOT_SWAPPED = "not_swapped", _("Wrong photo, not swapped")
    STATUS_DATA = "status_data", _("My status data is wrong")


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Verdict given")
    CHANGED = "changed", _("Verdict changed")
    DELETED = "deleted", _("Verdict deleted by the university")


class Conclusion(models.Model):
    """At most one live conclusion per (record, photo); deletion is soft and kept in history."""

    record = models.ForeignKey("records.StudentRecord", on_delete=models.PROTECT, related_name="conclusions")
    photo = models.ForeignKey("photos.Photo", on_delete=models.PROTECT, related_name="conclusions")
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    wrong_reason = models.CharField(max_length=12, choices=WrongReason.choices, blank=True, default="")
    first_at = models.DateTimeField()
    # first_at + the window; changes inside the window do not extend it (PRODUCT.md decision 2).
    window_ends_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    delete_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record", "photo"], condition=Q(deleted_at__isnull=True), name="one_live_conclusion"
            ),
            models.CheckConstraint(
                name="wrong_verdicts_have_a_reason",
                condition=Q(verdict="correct", wrong_reason="") | (Q(verdict="wrong") & ~Q(wrong_reason="")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_id}/{self.photo_id} {self.verdict}"


class ConclusionEvent(models.Model):
    """A transition of a conclusion: who, from what, to what, when."""

    conclusion = models.ForeignKey(Conclusion, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=10, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_verdict = models.CharField(max_length=10, blank=True)
    from_reason = models.CharField(max_length=12, blank=True)
    to_verdict = models.CharField(max_length=10, blank=True)
    to_reason = models.CharField(max_length=12, blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.conclusion_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"
