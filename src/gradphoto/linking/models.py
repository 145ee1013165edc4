"""Linkage beyond the exact rules: suggestions for review, 没照片,找找看 searches and claims (README.md)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SuggestionState(models.TextChoices):
    OPEN = "open", _("Awaiting review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class LinkSuggestion(models.Model):
    """A probable record for an unlinked photo, with the evidence (which fields agree)."""

    photo = models.ForeignKey("photos.Photo", on_delete=models.CASCADE, related_name="suggestions")
    record = models.ForeignKey("records.StudentRecord", on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField(default=1)
    score = models.FloatField()
    reason = models.CharField(max_length=32, blank=True)  # why not linked: near_tie, twins, conflict…
    evidence = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=SuggestionState.choices, default=SuggestionState.OPEN)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["photo", "record"], name="one_suggestion_per_pair")]
        indexes = [models.Index(fields=["school", "state", "rank"], name="suggestion_queue")]
        ordering = ["photo_id", "rank"]

    def __str__(self) -> str:
        return f"{self.photo_id}→{self.record_id} {self.score:.1f} {self.state}"


class PhotoSearch(models.Model):
    """One 没照片,找找看 search: who, for which record, what was shown (DOMAIN.md §5.5)."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey("records.StudentRecord", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    result_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["student", "created_at"], name="photo_search_daily")]

    def __str__(self) -> str:
        return f"search {self.token} ({self.result_count})"


class SearchCandidate(models.Model):
    """A photo shown in one search; its thumbnail is served only to that student, for a while."""

    search = models.ForeignKey(PhotoSearch, on_delete=models.CASCADE, related_name="candidates")
    rank = models.PositiveSmallIntegerField()
    photo = models.ForeignKey("photos.Photo", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    name_masked = models.CharField(max_length=40)
    id_masked = models.CharField(max_length=20)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["search", "rank"], name="one_candidate_per_rank")]
        ordering = ["rank"]

    def __str__(self) -> str:
        return f"{self.search_id}#{self.rank}"


class ClaimState(models.TextChoices):
    PENDING = "pending", _("Pending")
    EFFECTIVE = "effective", _("Effective")
    CONFLICTED = "conflicted", _("Sent to the university")
    CANCELLED = "cancelled", _("Cancelled")


# The transition table (STYLE.md): who moves a claim from where to where.
CLAIM_TRANSITIONS: dict[tuple[str, str], set[str]] = {
    (ClaimState.PENDING, ClaimState.EFFECTIVE): {"system"},
    (ClaimState.PENDING, ClaimState.CONFLICTED): {"system", "student"},
    (ClaimState.PENDING, ClaimState.CANCELLED): {"student"},
    (ClaimState.CONFLICTED, ClaimState.EFFECTIVE): {"university_staff", "operator"},
    (ClaimState.CONFLICTED, ClaimState.CANCELLED): {"university_staff", "operator"},
}


class PhotoClaim(models.Model):
    """A student's 这是我的照片 on a search candidate; it links after a delay unless contested."""

    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey("records.StudentRecord", on_delete=models.CASCADE, related_name="claims")
    photo = models.ForeignKey("photos.Photo", on_delete=models.CASCADE, related_name="claims")
    school = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    search = models.ForeignKey(PhotoSearch, null=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=12, choices=ClaimState.choices, default=ClaimState.PENDING)
    created_at = models.DateTimeField()
    effective_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record"], condition=Q(state="pending"), name="one_pending_claim_per_record"
            )
        ]
        indexes = [
            models.Index(fields=["state", "effective_at"], name="claim_due"),
            models.Index(fields=["school", "state"], name="claim_queue"),
        ]

    def __str__(self) -> str:
        return f"claim {self.pk} {self.photo_id}→{self.record_id} {self.state}"


class ClaimEvent(models.Model):
    """One move of a claim (STYLE.md: transitions recorded as rows)."""

    claim = models.ForeignKey(PhotoClaim, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor_role = models.CharField(max_length=20)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    note = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"claim {self.claim_id} {self.from_state}→{self.to_state}"
