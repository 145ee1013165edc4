"""学历电子注册: diploma records, certificate numbers, online verification (DOMAIN.md §5.7–5.8, §6.6, §10)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

CERTIFICATE_RE = r"^[0-9]{5}[1567][0-9]{4}0[12456][0-9]{6}$"
MAX_SERIAL = 999_999


class SchoolType(models.TextChoices):
    """Position 6 of the certificate number, 办学类型 (DOMAIN.md §10.1; the unconfirmed 8 is not offered)."""

    REGULAR = "1", _("1 · Regular higher education")
    ADULT = "5", _("5 · Adult higher education")
    SELF_STUDY = "6", _("6 · Self-study examinations")
    ONLINE = "7", _("7 · Online education")


# 学历类别 printed on the diploma record, by school type (DOMAIN.md §5.7).
EDUCATION_CATEGORIES: dict[str, str] = {
    SchoolType.REGULAR: "普通高等教育",
    SchoolType.ADULT: "成人高等教育",
    SchoolType.SELF_STUDY: "高等教育自学考试",
    SchoolType.ONLINE: "网络教育",
}


class Completion(models.TextChoices):
    """毕(结)业; 肄业 gets no number and is never registered (BR-G4)."""

    GRADUATED = "graduated", _("毕业")
    COMPLETED = "completed", _("结业")


COMPLETION_LABELS = {Completion.GRADUATED: "毕业", Completion.COMPLETED: "结业"}


class VerdictBasis(models.TextChoices):
    CORRECT = "correct", _("照片正确")
    OVERRIDE = "override", _("School override")


class FaceBasis(models.TextChoices):
    """How the identity gate of §6.7 was met."""

    PASSED = "passed", _("Face comparison passed")
    RECHECK_FILED = "recheck_filed", _("Re-check filed (复核结果备案)")
    NOT_APPLICABLE = "not_applicable", _("No admission photo: not applicable")


class GraduationSettings(models.Model):
    """A school's diploma settings: the president printed on diplomas and the default school type."""

    school = models.OneToOneField(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="graduation_settings"
    )
    president_name = models.CharField(_("president's name"), max_length=40, blank=True)
    school_type = models.CharField(
        _("school type"), max_length=1, choices=SchoolType.choices, default=SchoolType.REGULAR
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.school_id} {self.school_type} {self.president_name}"


class CertificateCounter(models.Model):
    """The last serial given per (school, type, year, level): claimed under a row lock, never reused."""

    school = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    school_type = models.CharField(max_length=1, choices=SchoolType.choices)
    year = models.PositiveSmallIntegerField()
    level_code = models.CharField(max_length=2)
    last_serial = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_type", "year", "level_code"], name="one_counter_per_series"
            ),
            models.CheckConstraint(name="serial_has_six_digits", condition=Q(last_serial__lte=MAX_SERIAL)),
        ]

    def __str__(self) -> str:
        return f"{self.school_id}/{self.school_type}/{self.year}/{self.level_code}: {self.last_serial}"


class FaceRecheck(models.Model):
    """复核结果备案: the school checked the identity itself after a failed or uncertain comparison (§6.7)."""

    record = models.ForeignKey("records.StudentRecord", on_delete=models.PROTECT, related_name="+")
    photo = models.ForeignKey("photos.Photo", on_delete=models.PROTECT, related_name="+")
    face_check = models.ForeignKey(
        "photos.FaceCheck", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField()
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField()

    class Meta:
        # A filing covers one photo: a new photo needs its own comparison or filing.
        constraints = [models.UniqueConstraint(fields=["record", "photo"], name="one_recheck_per_photo")]

    def __str__(self) -> str:
        return f"{self.record_id}/{self.photo_id} recheck"


class RegistrationBatch(models.Model):
    """One press of "register": what was asked, registered, refused (with reasons) or already done."""

    school = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    source = models.CharField(max_length=12)  # selection, filter, file, api, cli
    graduated_on = models.DateField(null=True, blank=True)
    completion = models.CharField(max_length=10, choices=Completion.choices)
    school_type = models.CharField(max_length=1, choices=SchoolType.choices)
    override_reason = models.TextField(blank=True)
    requested = models.PositiveIntegerField(default=0)
    registered = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    # [{"student_no", "name", "codes": [...], "messages": [...]}] and [student_no, ...]
    refusals = models.JSONField(default=list, blank=True)
    unchanged_student_nos = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.school_id} {self.registered}/{self.requested}"


class DiplomaRecord(models.Model):
    """学历证书电子注册信息 (DOMAIN.md §5.7), frozen at registration: later record or photo changes do not
    reach it; after the issue date (= graduation date = start of public query) only an erratum does."""

    record = models.OneToOneField("records.StudentRecord", on_delete=models.PROTECT, related_name="diploma")
    school = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    certificate_no = models.CharField(_("certificate number"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=40)
    sex = models.CharField(_("sex"), max_length=2)
    birth_date = models.DateField(_("date of birth"))
    id_number = models.CharField(max_length=20)  # never shown on public pages
    school_name = models.CharField(_("school"), max_length=100)
    president_name = models.CharField(_("president's name"), max_length=40)
    level = models.CharField(_("level"), max_length=20)
    level_code = models.CharField(max_length=2)
    school_type = models.CharField(max_length=1, choices=SchoolType.choices)
    education_category = models.CharField(_("education category"), max_length=20)
    major = models.CharField(_("major"), max_length=50)
    study_mode = models.CharField(_("mode of study"), max_length=10)
    length_years = models.DecimalField(_("length of programme"), max_digits=3, decimal_places=1)
    enrolled_on = models.DateField(_("date of enrolment"))
    graduated_on = models.DateField(_("date of graduation"))  # 发证日期, the start of public query
    completion = models.CharField(max_length=10, choices=Completion.choices)
    remarks = models.CharField(_("remarks"), max_length=200, blank=True)
    source_photo = models.ForeignKey(
        "photos.Photo", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The frozen copy: its own storage name, content-addressed, never rewritten.
    photo_file = models.CharField(max_length=200)
    photo_sha256 = models.CharField(max_length=64)
    verdict_basis = models.CharField(max_length=10, choices=VerdictBasis.choices)
    # Kept for the record, never searched by: no index to maintain on each of many inserts.
    conclusion = models.ForeignKey(
        "verification.Conclusion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    override_reason = models.TextField(blank=True)
    face_basis = models.CharField(max_length=16, choices=FaceBasis.choices)
    face_check = models.ForeignKey(
        "photos.FaceCheck", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    face_recheck = models.ForeignKey(
        FaceRecheck, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    batch = models.ForeignKey(
        RegistrationBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="diplomas"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    registered_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="certificate_no_format", condition=Q(certificate_no__regex=CERTIFICATE_RE)
            ),
            models.CheckConstraint(
                name="override_has_a_reason", condition=Q(verdict_basis="correct") | ~Q(override_reason="")
            ),
        ]
        indexes = [models.Index(fields=["school", "graduated_on"])]
        ordering = ["-registered_at", "-id"]

    def __str__(self) -> str:
        return f"{self.certificate_no} {self.name}"

    def is_published(self, today: dt.date) -> bool:
        """BR-G3: publicly queryable from the issue date on."""
        return self.graduated_on <= today

    @property
    def completion_label(self) -> str:
        return COMPLETION_LABELS.get(self.completion, self.completion)  # type: ignore[call-overload]


class DiplomaErratum(models.Model):
    """A correction of a published diploma (BR-F3): what changed, from what, why, by whom."""

    diploma = models.ForeignKey(DiplomaRecord, on_delete=models.PROTECT, related_name="errata")
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.diploma_id} erratum {self.at:%Y-%m-%d}"


class ReportState(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class VerificationReport(models.Model):
    """在线验证报告 (DOMAIN.md §5.8, §6.6): a bearer code that opens the diploma until it expires."""

    diploma = models.ForeignKey(DiplomaRecord, on_delete=models.PROTECT, related_name="reports")
    # Kept so the graduate can read it again; lookups go through the hash, comparisons are constant-time.
    code = models.CharField(max_length=16)
    code_hash = models.CharField(max_length=64, unique=True)
    validity_days = models.PositiveSmallIntegerField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    valid_until = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"report {self.pk} ****{self.code[-4:]}"

    def state_at(self, now: dt.datetime) -> str:
        if self.revoked_at is not None:
            return ReportState.REVOKED
        return ReportState.VALID if now < self.valid_until else ReportState.EXPIRED


class ReportExtension(models.Model):
    """延长验证有效期: one row per extension (§6.6)."""

    report = models.ForeignKey(VerificationReport, on_delete=models.CASCADE, related_name="extensions")
    previous_until = models.DateTimeField()
    new_until = models.DateTimeField()
    days = models.PositiveSmallIntegerField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.report_id} +{self.days}d"


class LookupKind(models.TextChoices):
    CODE = "code", _("Online verification code")
    CERTIFICATE = "certificate", _("Certificate number and name")
    BATCH = "batch", _("Batch check")


class LookupOutcome(models.TextChoices):
    VALID = "valid", _("Valid report")
    NOT_FOUND = "not_found", _("No such code")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    MATCH = "match", _("Match")
    NO_MATCH = "no_match", _("No match")
    CHECKED = "checked", _("Batch checked")
    MALFORMED = "malformed", _("Malformed query")
    RATE_LIMITED = "rate_limited", _("Refused: too many lookups")


class PublicLookup(models.Model):
    """Every public query (DOMAIN.md §15.7): when, from where, what kind, what came out. Codes and
    certificate numbers are kept only as keyed hashes; the rows also drive the per-address limit."""

    at = models.DateTimeField()
    ip = models.GenericIPAddressField()
    kind = models.CharField(max_length=12, choices=LookupKind.choices)
    outcome = models.CharField(max_length=14, choices=LookupOutcome.choices)
    key_hash = models.CharField(max_length=64, blank=True)
    cost = models.PositiveSmallIntegerField(default=1)
    checked = models.PositiveSmallIntegerField(default=0)
    matched = models.PositiveSmallIntegerField(default=0)
    report = models.ForeignKey(
        VerificationReport, null=True, blank=True, on_delete=models.SET_NULL, related_name="lookups"
    )

    class Meta:
        indexes = [models.Index(fields=["ip", "at"])]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.ip} {self.kind} {self.outcome}"
