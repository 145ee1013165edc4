"""Organisations: schools, learning and service centres, collection agencies, the platform."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    SCHOOL = "school", _("University")
    LEARNING_CENTRE = "learning_centre", _("Learning centre")
    SERVICE_CENTRE = "service_centre", _("Service centre")
    AGENCY = "agency", _("Collection agency")
    PLATFORM = "platform", _("Platform")


class Organisation(models.Model):
    kind = models.CharField(max_length=20, choices=OrgKind.choices)
    # Schools: the 5-digit 院校代码; other kinds: a short slug such as xinhua-bj.
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    name_en = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=40, blank=True)
    # A learning centre belongs to a service centre (the seed's 奥鹏 model); optional.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)

    # School settings (PRODUCT.md decisions 3, 10; DOMAIN.md §15.8). Meaningless for other kinds.
    excluded = models.BooleanField(default=False)
    exclusion_notice = models.TextField(blank=True)
    study_threshold_years = models.DecimalField(max_digits=3, decimal_places=1, default=Decimal("2.5"))
    threshold_applies = models.BooleanField(default=True)
    photo_change_fee = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    verification_deadline = models.DateField(null=True, blank=True)
    # The school's latest on-site collection, for "not uploaded yet" guidance (DOMAIN BR-E9a).
    collection_on = models.DateField(null=True, blank=True)
    collection_agency = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="collecting_for"
    )

    # Photo profile overrides (PRODUCT.md decision 6) for agencies and schools; empty = the standard.
    photo_min_kb = models.PositiveIntegerField(null=True, blank=True)
    photo_max_kb = models.PositiveIntegerField(null=True, blank=True)
    photo_background = models.CharField(max_length=7, blank=True, help_text="#64C5FF")
    photo_background_tolerance = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="school_code_is_5_digits",
                condition=~Q(kind="school") | Q(code__regex=r"^\d{5}$"),
            ),
        ]
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_school(self) -> bool:
        return self.kind == OrgKind.SCHOOL
