"""Open suggestions belong to the school of their record (the university that decides), not to the school
the photo was collected under: the rows written before this rule move once."""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.models import OuterRef, Subquery


def forwards(apps: Any, schema_editor: Any) -> None:
    suggestion = apps.get_model("linking", "LinkSuggestion")
    record = apps.get_model("records", "StudentRecord")
    school = record.objects.filter(pk=OuterRef("record_id")).values("school_id")[:1]
    suggestion.objects.filter(state="open").update(school_id=Subquery(school))


class Migration(migrations.Migration):
    dependencies = [("linking", "0001_initial"), ("records", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
