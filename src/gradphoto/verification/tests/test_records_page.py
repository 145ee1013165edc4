"""学籍信息 through HTTP: every row of the seed's decision table (DOMAIN.md §8)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from gradphoto.common import clock
from gradphoto.common.testing import PASSWORD, make_photo, make_record, make_student
from gradphoto.records.models import RecordStatus
from gradphoto.verification.models import Conclusion
from gradphoto.verification.services import conclusion_submit

pytestmark = pytest.mark.django_db
RECORDS = reverse("verification:records")


def page_for(client, student) -> str:
    client.force_login(student)
    response = client.get(RECORDS)
    assert response.status_code == 200
    return response.content.decode()


def case_of(html: str) -> list[str]:
    return re.findall(r'data-case="([a-z_]+)"', html)


def test_it_offers_both_buttons_when_the_photo_awaits_a_verdict(client, personas):  # rows 1-4
    record = make_record(personas.school)
    make_photo(record, personas.agency)
    html = page_for(client, make_student(record))
    assert case_of(html) == ["awaiting_verdict"]
    assert 'value="correct"' in html and 'value="wrong"' in html
    assert "照片正确" in html and "照片错误" in html
    assert record.name in html


def test_it_masks_the_id_number_on_the_page(client, personas):
    record = make_record(personas.school)
    make_photo(record, personas.agency)
    html = page_for(client, make_student(record))
    assert record.id_number not in html
    assert record.id_number[:6] + "********" + record.id_number[-4:] in html


def test_it_explains_the_swap_remedy_with_form_a(client, personas):  # row 2
    record = make_record(personas.school, learning_centre=personas.centre)
    make_photo(record, personas.agency)
    client.force_login(make_student(record))
    html = client.post(
        reverse("verification:verdict", args=[record.pk]), {"verdict": "wrong"}
    ).content.decode()
    assert "图像采集信息修改申请表" in html
    assert personas.centre.name in html
    assert not Conclusion.objects.exists()  # the first POST only asks for confirmation


@time_machine.travel(dt.datetime(2026, 11, 28, 12, tzinfo=clock.SHANGHAI), tick=False)
def test_it_gives_form_b_when_study_exceeds_the_threshold(client, personas):  # row 3
    personas.school.photo_change_fee = Decimal("30")
    personas.school.save()
    record = make_record(personas.school, enrolled_on=dt.date(2024, 3, 1))  # 2.74 years
    make_photo(record, personas.agency)
    student = make_student(record)
    conclusion_submit(student=student, record_id=record.pk, verdict="wrong", wrong_reason="not_swapped")
    html = page_for(client, student)
    assert "学信网电子照片修改申请表" in html and "2.74" in html
    assert "重新采集" not in html
    assert "收取 30.00 元费用" in html
    assert not re.findall(r"[。，；！？] [\u4e00-\u9fff]", rendered_text(html))


@time_machine.travel(dt.datetime(2026, 11, 28, 12, tzinfo=clock.SHANGHAI), tick=False)
def test_it_offers_recollection_or_waiting_at_or_below_the_threshold(client, personas):  # row 4
    personas.school.photo_change_fee = Decimal("30")
    personas.school.save()
    record = make_record(personas.school, enrolled_on=dt.date(2024, 9, 1))  # 2.24 years
    make_photo(record, personas.agency)
    student = make_student(record)
    conclusion_submit(student=student, record_id=record.pk, verdict="wrong", wrong_reason="not_swapped")
    html = page_for(client, student)
    assert "重新采集" in html and "2.24" in html
    assert "2027-03-01" in html  # the day the study length reaches 2.5 years
    assert "30" in html and "元" in html


@time_machine.travel(dt.datetime(2026, 9, 1, 12, tzinfo=clock.SHANGHAI), tick=False)
def test_exactly_two_and_a_half_years_does_not_exceed(client, personas):
    record = make_record(personas.school, enrolled_on=dt.date(2024, 3, 1))
    make_photo(record, personas.agency)
    student = make_student(record)
    conclusion_submit(student=student, record_id=record.pk, verdict="wrong", wrong_reason="not_swapped")
    assert "重新采集" in page_for(client, student)


def test_it_sends_status_data_errors_to_the_school(client, personas):  # row 5
    record = make_record(personas.school)
    make_photo(record, personas.agency)
    student = make_student(record)
    conclusion_submit(student=student, record_id=record.pk, verdict="wrong", wrong_reason="status_data")
    assert "省" in page_for(client, student)


def test_it_shows_the_time_left_inside_the_window(client, personas):  # row 6
    record = make_record(personas.school)
    make_photo(record, personas.agency)
    student = make_student(record)
    with time_machine.travel(dt.datetime(2026, 11, 28, 9, tzinfo=clock.SHANGHAI), tick=False):
        conclusion_submit(student=student, record_id=record.pk, verdict="correct")
    with time_machine.travel(dt.datetime(2026, 11, 28, 15, 30, tzinfo=clock.SHANGHAI), tick=False):
        html = page_for(client, student)
    assert case_of(html) == ["verdict_editable"]
    assert re.search(r"17\D+30", html)  # 17 h 30 min left
    assert "2026-11-29 09:00" in html


def test_it_locks_the_verdict_after_the_window_and_says_how_to_delete_it(client, personas):  # row 7
    record = make_record(personas.school)
    make_photo(record, personas.agency)
    student = make_student(record)
    with time_machine.travel(dt.datetime(2026, 11, 1, 9, tzinfo=clock.SHANGHAI), tick=False):
        conclusion_submit(student=student, record_id=record.pk, verdict="correct")
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, 1, tzinfo=clock.SHANGHAI), tick=False):
        html = page_for(client, student)
    assert case_of(html) == ["verdict_locked"]
    assert 'value="correct"' not in html
    assert "图像采集信息修改申请表" in html


def test_a_locked_wrong_verdict_states_the_fee_as_its_own_sentence(client, personas):  # rows 3, 7
    personas.school.photo_change_fee = Decimal("30")
    personas.school.save()
    record = make_record(personas.school, enrolled_on=dt.date(2024, 3, 1))
    make_photo(record, personas.agency)
    student = make_student(record)
    with time_machine.travel(dt.datetime(2026, 11, 1, 9, tzinfo=clock.SHANGHAI), tick=False):
        conclusion_submit(student=student, record_id=record.pk, verdict="wrong", wrong_reason="not_swapped")
    with time_machine.travel(dt.datetime(2026, 11, 5, 9, tzinfo=clock.SHANGHAI), tick=False):
        text = rendered_text(page_for(client, student))
    assert "\n您的学校修改照片收取 30.00 元费用。" in text
    assert not re.findall(r"[。，；！？] [\u4e00-\u9fff]", text)


def test_a_graduate_sees_no_buttons_and_a_link_to_xueli(client, personas):  # row 8
    record = make_record(personas.school, status=RecordStatus.GRADUATED, status_label="已毕业")
    photo = make_photo(record, personas.agency)
    student = make_student(record)
    html = page_for(client, student)
    assert case_of(html) == ["graduated"]
    assert 'name="verdict"' not in html
    assert reverse("verification:diploma") in html
    diploma = client.get(reverse("verification:diploma")).content.decode()
    assert reverse("photos:image", args=[photo.pk]) in diploma


def test_no_photo_gives_the_expected_upload_date(client, personas):  # row 9
    personas.school.collection_on = dt.date(2026, 10, 1)
    personas.school.collection_agency = personas.agency
    personas.school.save()
    html = page_for(client, make_student(make_record(personas.school)))
    assert case_of(html) == ["no_photo"]
    assert "2026-12-30" in html and personas.agency.name in html


def rendered_text(html: str) -> str:
    """Text as a browser lays it out: a block element or <br> breaks the line, an inline tag joins its
    neighbours, and other whitespace shows as one space."""
    inline = r"</?(?:a|span|strong|em|b|i|code|time|abbr)\b[^>]*>"
    text = re.sub(r"<[^>]+>", "\n", re.sub(inline, "", re.sub(r"\s+", " ", html)))
    return re.sub(r" *\n[\n ]*", "\n", text)


def test_no_photo_reasons_read_as_chinese_sentences_without_stray_spaces(client, personas):
    """A line break in the markup shows as a space: between two Chinese sentences it is a typo."""
    text = rendered_text(page_for(client, make_student(make_record(personas.school))))
    assert "照片尚未上传。" in text
    assert not re.findall(r"[。，；：！？] [\u4e00-\u9fff]", text)


def test_no_photo_while_registered_lists_search_and_form_a(client, personas):  # rows 10, 11
    html = page_for(client, make_student(make_record(personas.school)))
    assert "没照片,找找看" in html
    assert "图像采集信息修改申请表" in html


def test_a_graduate_without_photo_is_told_form_b_and_the_following_week(client, personas):  # row 12
    record = make_record(personas.school, status=RecordStatus.GRADUATED)
    html = page_for(client, make_student(record))
    assert case_of(html) == ["graduated_no_photo"]
    assert "学信网电子照片修改申请表" in html and "没照片,找找看" not in html


def test_an_account_without_a_record_is_sent_to_account(client, personas):  # row 13
    record = make_record(personas.school, name="李鸣")
    student = make_student(None, real_name="李明", id_number=record.id_number)
    html = page_for(client, student)
    assert case_of(html) == ["no_record"]
    assert reverse("accounts:account") in html
    assert "李鸣" not in html


def test_students_of_excluded_schools_see_their_schools_notice(client, personas):
    personas.excluded_school.exclusion_notice = "请按学校教务处通知办理。"
    personas.excluded_school.save()
    record = make_record(personas.excluded_school)
    make_photo(record, personas.agency)
    html = page_for(client, make_student(record))
    assert case_of(html) == ["excluded"]
    assert "请按学校教务处通知办理。" in html and 'name="verdict"' not in html


def test_it_shows_every_record_of_the_account(client, personas):
    first = make_record(personas.school, level="专科")
    second = make_record(personas.other_school, name=first.name, id_number=first.id_number)
    html = page_for(client, make_student(first))
    assert first.school.name in html and second.school.name in html


def test_a_student_logs_in_with_the_id_number(client, personas):
    record = make_record(personas.school)
    make_student(record)
    response = client.post(
        reverse("accounts:login"), {"username": record.id_number.lower(), "password": PASSWORD}
    )
    assert response.status_code == 302
