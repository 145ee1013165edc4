"""Accounts: real-name students and staff of exactly one organisation (PRODUCT.md decision 4)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STUDENT = "student", _("Student")
    CENTRE_STAFF = "centre_staff", _("Learning centre staff")
    SERVICE_STAFF = "service_staff", _("Service centre staff")
    UNIVERSITY_STAFF = "university_staff", _("University staff")
    COLLECTOR_STAFF = "collector_staff", _("Collection agency staff")
    OPERATOR = "operator", _("Platform operator")


STAFF_ORG_KIND = {
    Role.CENTRE_STAFF: "learning_centre",
    Role.SERVICE_STAFF: "service_centre",
    Role.UNIVERSITY_STAFF: "school",
    Role.COLLECTOR_STAFF: "agency",
    Role.OPERATOR: "platform",
}


class IdType(models.TextChoices):
    RESIDENT = "resident", _("Resident ID card")
    OTHER = "other", _("Other document")


class AccountState(models.TextChoices):
    PENDING_ACTIVATION = "pending_activation", _("Awaiting e-mail activation")
    ACTIVE = "active", _("Active")
    DEREGISTERED = "deregistered", _("Deregistered")


class PersonCheck(models.TextChoices):
    NONE = "none", _("Not checked")
    PENDING_REVIEW = "pending_review", _("ID photo awaiting review")
    SCHOOL_VERIFIED = "school_verified", _("Verified by school choice")
    REVIEW_VERIFIED = "review_verified", _("Verified by ID photo review")


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.STUDENT)
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    real_name = models.CharField(_("real name"), max_length=40, blank=True)
    id_type = models.CharField(max_length=10, choices=IdType.choices, default=IdType.RESIDENT)
    # Normalised (GB 11643 upgraded to 18 digits) for resident IDs; empty for staff.
    id_number = models.CharField(max_length=20, blank=True, db_index=True)
    mobile = models.CharField(max_length=20, blank=True, db_index=True)
    account_state = models.CharField(
        max_length=20, choices=AccountState.choices, default=AccountState.PENDING_ACTIVATION
    )
    person_check = models.CharField(max_length=20, choices=PersonCheck.choices, default=PersonCheck.NONE)
    person_checked_at = models.DateTimeField(null=True, blank=True)
    api_token_hash = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        constraints = [
            # One ID number ↔ one live account (DOMAIN BR-B5).
            models.UniqueConstraint(
                fields=["id_type", "id_number"],
                condition=~Q(id_number="") & ~Q(account_state="deregistered"),
                name="one_live_account_per_id_number",
            ),
            models.UniqueConstraint(
                fields=["email"],
                condition=~Q(email="") & ~Q(account_state="deregistered"),
                name="one_live_account_per_email",
            ),
            # Staff belong to exactly one organisation; students to none.
            models.CheckConstraint(
                name="staff_have_an_organisation",
                condition=(Q(role="student") & Q(organisation__isnull=True))
                | (~Q(role="student") & Q(organisation__isnull=False)),
            ),
        ]

    @property
    def is_student(self) -> bool:
        return self.role == Role.STUDENT

    @property
    def person_checked(self) -> bool:
        return self.person_check in (PersonCheck.SCHOOL_VERIFIED, PersonCheck.REVIEW_VERIFIED)


class PersonCheckAttempt(models.Model):
    """One try of the school-choice check; counted per Shanghai day for the daily limit."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="person_check_attempts")
    at = models.DateTimeField(db_index=True)
    chosen = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT)
    succeeded = models.BooleanField()

    def __str__(self) -> str:
        return f"{self.user_id} {self.at:%Y-%m-%d %H:%M} {'ok' if self.succeeded else 'miss'}"


class ReviewKind(models.TextChoices):
    PERSON_CHECK = "person_check", _("Real-person check by ID photo")
    IDENTITY_CORRECTION = "identity_correction", _("Identity correction")


class ReviewState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class IdentityReview(models.Model):
    """An ID-card photo an operator reviews: to pass the person check or to correct name / ID number."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="identity_reviews")
    kind = models.CharField(max_length=24, choices=ReviewKind.choices)
    state = models.CharField(max_length=10, choices=ReviewState.choices, default=ReviewState.PENDING)
    id_photo = models.CharField(max_length=200)
    requested_name = models.CharField(max_length=40, blank=True)
    requested_id_number = models.CharField(max_length=20, blank=True)
    reason = models.TextField(blank=True)
    submitted_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="decided_reviews"
    )
    decision_note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"], condition=Q(state="pending"), name="one_pending_review_per_kind"
            )
        ]
        ordering = ["submitted_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.user_id} {self.state}"
