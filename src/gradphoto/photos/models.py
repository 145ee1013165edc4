"""Collected photos (学历照片) with the collection identity as typed at collection (DOMAIN.md §5.3)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class LinkState(models.TextChoices):
    UNLINKED = "unlinked", _("Not linked")
    LINKED = "linked", _("Linked")
    # A second collection for a record that already has a photo (PRODUCT.md decision 8).
    DUPLICATE = "duplicate", _("Duplicate collection")


class LinkMethod(models.TextChoices):
    NONE = "", _("None")
    COLLECTION_CODE = "collection_code", _("Collection code")
    IDENTITY = "identity", _("School, name and ID number")
    CLAIM = "claim", _("Claimed by the student")
    ENGINE = "engine", _("Linkage engine (certain match)")
    REVIEW = "review", _("Suggestion confirmed by university staff")
    CORRECTION = "correction", _("Correction application")


class Photo(models.Model):
    agency = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="photos")
    collection_no = models.CharField(_("collection number"), max_length=40)
    collection_code = models.CharField(_("collection code"), max_length=64, blank=True)
    school = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="school_photos"
    )
    # As typed at collection: may be wrong (DOMAIN BR-D7); the ID is normalised, not repaired.
    name_collected = models.CharField(max_length=40)
    id_number_collected = models.CharField(max_length=20)
    student_no_collected = models.CharField(max_length=20, blank=True)
    collected_on = models.DateField()
    sha256 = models.CharField(max_length=64, db_index=True)
    file = models.CharField(max_length=200)
    size_bytes = models.PositiveIntegerField()
    thumbnail = models.CharField(max_length=200, blank=True)
    batch = models.ForeignKey(
        "imports.ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="photos"
    )
    record = models.ForeignKey(
        "records.StudentRecord", null=True, blank=True, on_delete=models.PROTECT, related_name="photos"
    )
    link_state = models.CharField(max_length=10, choices=LinkState.choices, default=LinkState.UNLINKED)
    link_method = models.CharField(max_length=20, choices=LinkMethod.choices, blank=True, default="")
    linked_at = models.DateTimeField(null=True, blank=True)
    uploaded_at = models.DateTimeField()
    # Derived linkage keys of the collection identity (linking/README.md), filled in bulk by
    # linking.engine.keys.keys_refresh; id_key is the typed ID normalised, never repaired.
    key_version = models.PositiveSmallIntegerField(default=0)
    id_key = models.CharField(max_length=20, blank=True, default="")
    id_valid = models.BooleanField(default=False)
    birth_key = models.CharField(max_length=8, blank=True, default="")
    pinyin_key = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "collection_no"], name="one_photo_per_collection_no"),
            # One current photo per status record (DOMAIN BR-D4).
            models.UniqueConstraint(
                fields=["record"], condition=Q(link_state="linked"), name="one_linked_photo_per_record"
            ),
            models.CheckConstraint(
                name="linked_photos_have_a_record",
                condition=Q(link_state="unlinked", record__isnull=True)
                | (~Q(link_state="unlinked") & Q(record__isnull=False)),
            ),
        ]
        indexes = [
            models.Index(fields=["school", "id_number_collected"]),
            models.Index(fields=["school", "link_state"]),
            # 没照片,找找看 and the linkage tiers (LINKAGE.md §4): B-tree probes only.
            models.Index(fields=["key_version"], name="photo_key_version"),
            models.Index(fields=["school", "id_key"], name="photo_school_id_key"),
            models.Index(fields=["school", "birth_key", "pinyin_key"], name="photo_school_birth_pinyin"),
            models.Index(fields=["school", "pinyin_key"], name="photo_school_pinyin"),
        ]

    def __str__(self) -> str:
        return f"{self.agency.code}/{self.collection_no}"


class FaceResult(models.TextChoices):
    PASSED = "passed", _("Passed")
    UNCERTAIN = "uncertain", _("Uncertain")
    FAILED = "failed", _("Failed")
    NO_FACE = "no_face", _("No face found")


class FaceCheck(models.Model):
    """The diploma photo compared with the admission photo (PRODUCT.md decision 9)."""

    record = models.ForeignKey("records.StudentRecord", on_delete=models.CASCADE, related_name="face_checks")
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="face_checks")
    admission_sha256 = models.CharField(max_length=64)
    distance = models.FloatField(null=True, blank=True)
    result = models.CharField(max_length=10, choices=FaceResult.choices)
    checked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["photo", "admission_sha256"], name="one_face_check_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.record_id}/{self.photo_id} {self.result}"


class StagedPhoto(models.Model):
    """An accepted photo of a running batch, stored but not yet published (RELIABILITY.md REQ-CC-04).

    A batch's photos become Photo rows in one transaction at its end; until then nobody sees them, and
    a crash leaves only these rows, which a retry of the same job picks up instead of checking again.
    """

    job = models.ForeignKey("imports.ImportJob", on_delete=models.CASCADE, related_name="staged_photos")
    row = models.PositiveIntegerField()  # the manifest row
    collection_no = models.CharField(max_length=40)
    school = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=40)
    id_number = models.CharField(max_length=20)
    student_no = models.CharField(max_length=20, blank=True)
    collection_code = models.CharField(max_length=64, blank=True)
    collected_on = models.DateField()
    sha256 = models.CharField(max_length=64)
    file = models.CharField(max_length=200)
    size_bytes = models.PositiveIntegerField()
    thumbnail = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "collection_no"], name="one_staged_photo_per_job_and_no")
        ]

    def __str__(self) -> str:
        return f"{self.job_id}/{self.collection_no}"
