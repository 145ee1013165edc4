"""Reference organisations: the national school list (organisations/data/SOURCES.md)."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from .models import Organisation, OrgKind

SCHOOL_LIST = Path(__file__).parent / "data" / "moe_higher_education_institutions.csv"

# The seed's four schools that run their own process (PRODUCT.md decision 10).
SEED_EXCLUDED = {"10295": "江南大学", "10004": "北京交通大学", "10247": "同济大学", "10002": "中国人民大学"}


def read_school_list() -> list[dict[str, str]]:
    with SCHOOL_LIST.open(encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["institution_code_5"]]


@transaction.atomic
def schools_load_reference() -> int:
    """Create every listed school that does not exist yet; existing schools keep their settings."""
    existing = set(Organisation.objects.filter(kind=OrgKind.SCHOOL).values_list("code", flat=True))
    new = [
        Organisation(
            kind=OrgKind.SCHOOL,
            code=row["institution_code_5"],
            name=row["name"],
            city=row["location_city"],
            excluded=row["institution_code_5"] in SEED_EXCLUDED,
        )
        for row in read_school_list()
        if row["institution_code_5"] not in existing
    ]
    Organisation.objects.bulk_create(new, batch_size=500)
    return len(new)
