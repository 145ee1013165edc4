"""Correction applications: the seed's remedies as a workflow (DOMAIN.md §5.6, §6.5)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FormType(models.TextChoices):
    """What is applied for; the first letter says which paper form is printed (A or B)."""

    SWAP = "a_swap", _("Form A: two students' photos swapped")
    DELETE_VERDICT = "a_delete_verdict", _("Form A: delete a locked verdict")
    FIX_IDENTITY = "a_fix_identity", _("Form A: wrong name or ID number in the collection data")
    REPLACE_PHOTO = "b_replace_photo", _("Form B: wrong photo, replace it")
    GRADUATED_UNLINKED = "b_graduated_unlinked", _("Form B: graduated, photo not linked")
    RECOLLECTION = "recollection", _("Re-collection request")
    STATUS_ERRATUM = "status_erratum", _("Status-data erratum")


class AppState(models.TextChoices):
    DRAFT = "draft", _("Reported by the student")
    SUBMITTED = "submitted", _("Filed by the learning centre")
    FORWARDED = "forwarded", _("Forwarded to the university")
    AWAITING_FEE = "awaiting_fee", _("Approved, awaiting the fee")
    APPLIED = "applied", _("Approved and applied")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The transition table (STYLE.md): who moves an application from where to where.
TRANSITIONS: dict[tuple[str, str], set[str]] = {
    (AppState.DRAFT, AppState.SUBMITTED): {"centre_staff", "university_staff"},
    (AppState.SUBMITTED, AppState.FORWARDED): {"service_staff"},
    (AppState.SUBMITTED, AppState.APPLIED): {"university_staff"},
    (AppState.SUBMITTED, AppState.AWAITING_FEE): {"university_staff"},
    (AppState.SUBMITTED, AppState.REJECTED): {"service_staff", "university_staff"},
    (AppState.FORWARDED, AppState.APPLIED): {"university_staff"},
    (AppState.FORWARDED, AppState.AWAITING_FEE): {"university_staff"},
    (AppState.FORWARDED, AppState.REJECTED): {"university_staff"},
    (AppState.AWAITING_FEE, AppState.APPLIED): {"university_staff"},
    (AppState.AWAITING_FEE, AppState.REJECTED): {"university_staff"},
    (AppState.REJECTED, AppState.SUBMITTED): {"centre_staff", "university_staff"},
    (AppState.DRAFT, AppState.WITHDRAWN): {"student", "centre_staff", "university_staff"},
}
OPEN_STATES = (
    AppState.DRAFT,
    AppState.SUBMITTED,
    AppState.FORWARDED,
    AppState.AWAITING_FEE,
    AppState.REJECTED,
)


class Application(models.Model):
    form_type = models.CharField(max_length=24, choices=FormType.choices)
    state = models.CharField(max_length=14, choices=AppState.choices, default=AppState.DRAFT)
    record = models.ForeignKey("records.StudentRecord", on_delete=models.PROTECT, related_name="applications")
    school = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    centre = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service_centre = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Swap: the other student's record; delete: the verdict; fix / graduated: the unlinked photo.
    counterpart = models.ForeignKey(
        "records.StudentRecord", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    conclusion = models.ForeignKey(
        "verification.Conclusion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    photo = models.ForeignKey(
        "photos.Photo", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    new_photo = models.CharField(max_length=200, blank=True)  # Form B: the corrected photo, standard-checked
    wrong_name = models.CharField(max_length=40, blank=True)
    wrong_id_number = models.CharField(max_length=20, blank=True)
    erratum = models.JSONField(default=dict, blank=True)  # status erratum: field → corrected value
    reason = models.TextField(blank=True)
    fee = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    decision_note = models.TextField(blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["school", "state"]),
            models.Index(fields=["centre", "state"]),
            models.Index(fields=["service_centre", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_form_type_display()} #{self.pk} {self.state}"

    @property
    def paper_form(self) -> str:
        return {"a": "A", "b": "B"}.get(self.form_type[:1], "")


class ApplicationEvent(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor_role = models.CharField(max_length=20)
    from_state = models.CharField(max_length=14, blank=True)
    to_state = models.CharField(max_length=14)
    note = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"#{self.application_id} {self.from_state}→{self.to_state}"

    @property
    def from_label(self) -> str:
        return str(AppState(self.from_state).label) if self.from_state in AppState.values else "—"

    @property
    def to_label(self) -> str:
        return str(AppState(self.to_state).label) if self.to_state in AppState.values else self.to_state

    @property
    def role_label(self) -> str:
        from gradphoto.accounts.models import Role

        return str(Role(self.actor_role).label) if self.actor_role in Role.values else self.actor_role


class AttachmentKind(models.TextChoices):
    SIGNED_FORM = "signed_form", _("Signed and stamped form (scan)")
    DIPLOMA_SCAN = "diploma_scan", _("Diploma scan")
    PHOTO = "photo", _("E-photo")
    OTHER = "other", _("Other evidence")


class Attachment(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=14, choices=AttachmentKind.choices)
    file = models.CharField(max_length=200)
    filename = models.CharField(max_length=120)
    content_type = models.CharField(max_length=40)
    size_bytes = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.kind} {self.filename}"
