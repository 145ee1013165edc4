"""Student-status records (学籍), reported by universities (PRODUCT.md "Interchange formats")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RecordStatus(models.TextChoices):
    """Canonical states of DOMAIN.md §6.1; labels as shown on 学籍信息."""

    ADMITTED_UNREGISTERED = "admitted_unregistered", _("Admitted, not registered")
    REGISTERED = "registered", _("Registered")
    DEFERRED_REGISTRATION = "deferred_registration", _("Registration deferred")
    SUSPENDED = "suspended", _("Suspended")
    RETAINED = "retained", _("Status retained")
    ADMISSION_DEFERRED = "admission_deferred", _("Admission deferred")
    GRADUATED = "graduated", _("Graduated")
    COMPLETED_NO_DEGREE = "completed_no_degree", _("Completed without graduating")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CANCELLED = "cancelled", _("Cancelled")


# Labels seen in files and on CHSI → canonical state (PRODUCT.md decision 5).
STATUS_LABELS: dict[str, str] = {
    "报到入学": RecordStatus.REGISTERED,
    "注册学籍": RecordStatus.REGISTERED,
    "学籍注册": RecordStatus.REGISTERED,
    "在籍": RecordStatus.REGISTERED,
    "暂缓注册": RecordStatus.DEFERRED_REGISTRATION,
    "休学": RecordStatus.SUSPENDED,
    "保留学籍": RecordStatus.RETAINED,
    "保留入学资格": RecordStatus.ADMISSION_DEFERRED,
    "毕业": RecordStatus.GRADUATED,
    "已毕业": RecordStatus.GRADUATED,
    "不在籍（毕业）": RecordStatus.GRADUATED,
    "不在籍(毕业)": RecordStatus.GRADUATED,
    "已离校": RecordStatus.GRADUATED,
    "不在籍（结业）": RecordStatus.COMPLETED_NO_DEGREE,
    "不在籍(结业)": RecordStatus.COMPLETED_NO_DEGREE,
    "结业": RecordStatus.COMPLETED_NO_DEGREE,
    "退学": RecordStatus.WITHDRAWN,
    "不在籍（退学）": RecordStatus.WITHDRAWN,
    "不在籍(退学)": RecordStatus.WITHDRAWN,
    "学籍注销": RecordStatus.CANCELLED,
}


class StudentRecord(models.Model):
    school = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="records")
    student_no = models.CharField(_("student number"), max_length=20)
    exam_no = models.CharField(_("candidate number"), max_length=20, blank=True)
    name = models.CharField(_("name"), max_length=40)
    sex = models.CharField(_("sex"), max_length=2)
    birth_date = models.DateField(_("date of birth"))
    id_type = models.CharField(max_length=20, default="居民身份证")
    id_number = models.CharField(_("ID number"), max_length=20, db_index=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=24, blank=True)
    major = models.CharField(_("major"), max_length=50)
    level = models.CharField(_("level"), max_length=20)
    study_mode = models.CharField(_("mode of study"), max_length=10)
    length_years = models.DecimalField(_("length of programme"), max_digits=3, decimal_places=1)
    enrolled_on = models.DateField(_("date of enrolment"))
    expected_graduation_on = models.DateField(_("expected graduation"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=24, choices=RecordStatus.choices, default=RecordStatus.REGISTERED
    )
    status_label = models.CharField(max_length=20, blank=True)
    # The uid a 采集码 carries (DOMAIN BR-D3): one per record, links photos collected with the code.
    collection_uid = models.CharField(max_length=32, unique=True, null=True, blank=True)
    learning_centre = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="centre_records",
    )
    # Set by linking only: (name, normalised ID number) equal the account's (DOMAIN BR-B9).
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="records"
    )
    # 录取照片 from the admission file (imported beside the 学籍 file), for face comparison.
    admission_photo = models.CharField(max_length=200, blank=True)
    admission_photo_sha256 = models.CharField(max_length=64, blank=True)
    # Derived linkage keys (linking/README.md), filled in bulk by linking.engine.keys.keys_refresh; a row
    # whose key_version is below the engine's is refreshed before it is searched. Never edited by hand.
    key_version = models.PositiveSmallIntegerField(default=0)
    id_key = models.CharField(max_length=20, blank=True, default="")
    birth_key = models.CharField(max_length=8, blank=True, default="")
    pinyin_key = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "student_no"], name="one_record_per_school_student_no")
        ]
        indexes = [
            models.Index(fields=["id_number", "name"]),
            # The linkage tiers (LINKAGE.md §4): exact B-tree probes, identical on SQLite and PostgreSQL.
            models.Index(fields=["key_version"], name="record_key_version"),
            models.Index(fields=["id_key"], name="record_id_key"),
            models.Index(fields=["birth_key", "pinyin_key"], name="record_birth_pinyin"),
            models.Index(fields=["school", "pinyin_key"], name="record_school_pinyin"),
            models.Index(fields=["school", "birth_key"], name="record_school_birth"),
        ]
        ordering = ["school__code", "student_no"]

    def __str__(self) -> str:
        return f"{self.school.code}/{self.student_no} {self.name}"

    @property
    def is_graduated(self) -> bool:
        return self.status == RecordStatus.GRADUATED

    @property
    def display_status(self) -> str:
        return self.status_label or str(self.get_status_display())
