"""Import jobs: one uploaded file, processed in the background, with its row-by-row report."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    RECORDS = "records", _("Student-status records (学籍)")
    PHOTOS = "photos", _("Photo batch (图像采集)")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("File rejected")
    FAILED = "failed", _("Failed")


# Allowed moves of a job (STYLE.md "explicit state machines"); RUNNING → RUNNING is a resumed run.
TRANSITIONS: dict[str, set[str]] = {
    JobStatus.QUEUED: {JobStatus.RUNNING},
    JobStatus.RUNNING: {JobStatus.RUNNING, JobStatus.DONE, JobStatus.REJECTED, JobStatus.FAILED},
    JobStatus.FAILED: {JobStatus.RUNNING, JobStatus.QUEUED},  # QUEUED: run again on request
    JobStatus.DONE: set(),
    JobStatus.REJECTED: set(),
}


class ImportJob(models.Model):
    kind = models.CharField(max_length=10, choices=ImportKind.choices)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="import_jobs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filename = models.CharField(max_length=255)
    file = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    extra_file = models.CharField(max_length=200, blank=True)  # the admission-photo ZIP beside 学籍
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    file_error = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "kind", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename} {self.status}"

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.total) if self.total else (100 if self.finished else 0)

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.REJECTED, JobStatus.FAILED)
