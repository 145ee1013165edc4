"""The school's pages: select, filter or upload, register, see the outcome, file a re-check, correct."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from gradphoto.common import clock
from gradphoto.common.errors import NotAllowed
from gradphoto.graduation.models import DiplomaErratum, DiplomaRecord, FaceRecheck, GraduationSettings
from gradphoto.graduation.services import diploma_erratum, diploma_update

from .support import graduate, register, set_president, with_admission_photo

pytestmark = pytest.mark.django_db
OPTIONS = {"completion": "graduated", "school_type": "1", "graduated_on": "2026-07-01"}


@pytest.fixture(autouse=True)
def president(personas):
    set_president(personas.school)


def test_the_gate_speaks_the_readers_language(client, personas):
    """Chinese by default (and in the files), English on an English page: no Chinese sentence there."""
    graduate(personas, verdict=None)
    client.force_login(personas.alice)
    assert "学生尚未校对照片" in client.get(reverse("graduation:candidates")).content.decode()
    client.post(reverse("set_language"), {"language": "en"})
    html = client.get(reverse("graduation:candidates")).content.decode()
    assert "The student has not checked the photo" in html and "学生尚未校对照片" not in html


def test_refusals_are_kept_in_chinese_whoever_registers_in_english(personas):
    """A batch's refusals are rows, files and API answers: Chinese, as the page shows them in English."""
    from django.utils import translation

    blocked, _, _ = graduate(personas, verdict=None)
    with translation.override("en"):
        batch = register(personas.alice, [blocked])
    assert batch.refusals[0]["messages"][0].startswith("学生尚未校对照片")


def test_the_list_shows_the_gate_of_each_candidate(client, personas, django_assert_max_num_queries):
    ready, _, _ = graduate(personas)
    blocked, _, _ = graduate(personas, verdict=None)
    for _ in range(10):
        graduate(personas)
    client.force_login(personas.alice)
    with django_assert_max_num_queries(14):
        html = client.get(reverse("graduation:candidates")).content.decode()
    assert f'data-record="{ready.pk}" data-ok="1"' in html
    assert f'data-record="{blocked.pk}" data-ok="0"' in html and 'data-gate="no_verdict"' in html


def test_ticked_students_are_registered_and_the_outcome_is_shown(client, personas):
    ready, _, _ = graduate(personas)
    blocked, _, _ = graduate(personas, verdict=None)
    client.force_login(personas.alice)
    response = client.post(reverse("graduation:register"), {"record": [ready.pk, blocked.pk], **OPTIONS})
    page = client.get(response["Location"]).content.decode()
    assert 'id="count-registered">1<' in page and 'id="count-refused">1<' in page
    assert DiplomaRecord.objects.get(record=ready).certificate_no in page
    assert f'data-student-no="{blocked.student_no}"' in page and 'data-code="no_verdict"' in page


def test_all_students_matching_the_filter_are_registered(client, personas):
    law = [graduate(personas, major="法学")[0] for _ in range(3)]
    graduate(personas, major="经济学")
    client.force_login(personas.alice)
    client.post(reverse("graduation:register"), {"all_matching": "1", "major": "法学", **OPTIONS})
    assert set(DiplomaRecord.objects.values_list("record_id", flat=True)) == {r.pk for r in law}


def test_a_file_of_student_numbers_registers_them(client, personas):
    records = [graduate(personas)[0] for _ in range(2)]
    client.force_login(personas.alice)
    text = "XH,XM\n" + "".join(f"{r.student_no},{r.name}\n" for r in records) + "NOPE1,某某\n"
    upload = SimpleUploadedFile("list.csv", text.encode("gb18030"))
    data = {f"upload-{k}": v for k, v in OPTIONS.items()} | {"upload-file": upload}
    response = client.post(reverse("graduation:upload"), data)
    page = client.get(response["Location"]).content.decode()
    assert DiplomaRecord.objects.count() == 2
    assert 'data-student-no="NOPE1"' in page and 'data-code="unknown_student_no"' in page


def test_a_plain_list_of_student_numbers_works_too(client, personas):
    record, _, _ = graduate(personas)
    client.force_login(personas.alice)
    upload = SimpleUploadedFile("list.txt", f"\n{record.student_no}\n\n".encode())
    data = {f"upload-{k}": v for k, v in OPTIONS.items()} | {"upload-file": upload}
    client.post(reverse("graduation:upload"), data)
    assert DiplomaRecord.objects.filter(record=record).exists()


def test_the_school_files_a_recheck_from_its_page(client, personas):
    record, photo, _ = graduate(personas)
    with_admission_photo(record, photo, "uncertain")
    client.force_login(personas.alice)
    assert (
        'data-gate="face_uncertain"'
        in client.get(reverse("graduation:recheck", args=[record.pk])).content.decode()
    )
    client.post(reverse("graduation:recheck", args=[record.pk]), {"reason": "辅导员核对身份证原件"})
    recheck = FaceRecheck.objects.get()
    assert recheck.filed_by == personas.alice and recheck.reason == "辅导员核对身份证原件"


def test_the_settings_page_sets_the_president(client, personas):
    client.force_login(personas.alice)
    client.post(reverse("graduation:settings"), {"president_name": "王校长", "school_type": "5"})
    prefs = GraduationSettings.objects.get(school=personas.school)
    assert (prefs.president_name, prefs.school_type) == ("王校长", "5")


def test_before_publication_the_diploma_is_corrected_directly(personas):
    record, _, _ = graduate(personas, expected_graduation_on=dt.date(2026, 12, 20))
    with time_machine.travel(dt.datetime(2026, 11, 1, 9, tzinfo=clock.SHANGHAI), tick=False):
        register(personas.alice, [record])
        diploma = diploma_update(
            staff=personas.alice, diploma_id=record.diploma.pk, changes={"major": "法学（涉外）"}
        )
    assert diploma.major == "法学（涉外）"


def test_after_publication_only_an_erratum_changes_the_diploma(client, personas):
    record, _, _ = graduate(personas)
    register(personas.alice, [record])
    diploma = record.diploma
    with pytest.raises(NotAllowed) as error:
        diploma_update(staff=personas.alice, diploma_id=diploma.pk, changes={"major": "经济学"})
    assert error.value.code == "published"
    erratum = diploma_erratum(
        staff=personas.alice,
        diploma_id=diploma.pk,
        changes={"completion": "graduated", "remarks": "结业换发毕业证"},
        reason="补考通过",
    )
    assert erratum.after == {"remarks": "结业换发毕业证"} and erratum.before == {"remarks": ""}
    diploma.refresh_from_db()
    assert diploma.remarks == "结业换发毕业证" and diploma.certificate_no.endswith("000001")
    client.force_login(personas.alice)
    html = client.get(reverse("graduation:diploma", args=[diploma.pk])).content.decode()
    assert 'id="erratum-submit"' in html and "补考通过" in html and 'id="update-submit"' not in html
    assert DiplomaErratum.objects.count() == 1


def test_the_command_line_registers_from_a_file(personas, tmp_path):
    record, _, _ = graduate(personas)
    path = tmp_path / "list.txt"
    path.write_text(f"{record.student_no}\nUNKNOWN9\n")
    out = io.StringIO()
    call_command("register_graduates", str(path), school="10001", json=True, stdout=out)
    summary = json.loads(out.getvalue())
    assert (summary["registered"], summary["refused"]) == (1, 1)
    assert summary["refusals"][0]["codes"] == ["unknown_student_no"]


def test_the_erratum_form_changes_only_what_was_edited(client, personas):
    record, _, _ = graduate(personas)
    register(personas.alice, [record])
    diploma = record.diploma
    client.force_login(personas.alice)
    html = client.get(reverse("graduation:diploma", args=[diploma.pk])).content.decode()
    assert 'data-published="1"' in html
    form = {
        "name": diploma.name,
        "sex": diploma.sex,
        "birth_date": f"{diploma.birth_date:%Y-%m-%d}",
        "major": "法学（国际法）",
        "study_mode": diploma.study_mode,
        "length_years": str(diploma.length_years),
        "enrolled_on": f"{diploma.enrolled_on:%Y-%m-%d}",
        "completion": diploma.completion,
        "president_name": diploma.president_name,
        "remarks": "",
        "reason": "专业名称以学位证为准",
        "action": "erratum",
    }
    client.post(reverse("graduation:diploma", args=[diploma.pk]), form)
    erratum = DiplomaErratum.objects.get()
    assert erratum.before == {"major": "法学"} and erratum.after == {"major": "法学（国际法）"}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_page_renders_in_both_languages(client, personas, settings, language):
    record, _, student = graduate(personas)
    blocked, blocked_photo, _ = graduate(personas)
    with_admission_photo(blocked, blocked_photo, "failed")
    batch = register(personas.alice, [record, blocked])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(personas.alice)
    for url in (
        reverse("graduation:candidates"),
        reverse("graduation:batch", args=[batch.pk]),
        reverse("graduation:diplomas"),
        reverse("graduation:diploma", args=[record.diploma.pk]),
        reverse("graduation:recheck", args=[blocked.pk]),
        reverse("graduation:settings"),
    ):
        assert client.get(url).status_code == 200, url
    client.force_login(student)
    assert client.get(reverse("verification:diploma")).status_code == 200
    client.logout()
    assert client.get(reverse("graduation:verify")).status_code == 200
