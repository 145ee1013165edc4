"""The student's journey in Chromium: log in, confirm 照片正确, see the conclusion and the window."""

from __future__ import annotations

import pytest

from gradphoto.common.testing import (
    LOADED_WIDTH,
    browser_log_in,
    make_photo,
    make_record,
    make_student,
)
from gradphoto.demo.portrait import photo_set
from gradphoto.verification.models import Conclusion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def student(personas):
    record = make_record(personas.school, name="陈思远", learning_centre=personas.centre)
    make_photo(record, personas.agency, data=photo_set(1)[0])
    return make_student(record)


def log_in(page, live_server, student) -> None:
    browser_log_in(page, live_server.url, student.email)


def test_a_student_confirms_photo_correct_on_a_phone(browser, live_server, student, artifacts):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, student)
    page.wait_for_selector("text=学籍信息")
    page.screenshot(path=str(artifacts / "records-phone-zh.png"), full_page=True)
    assert page.locator("img.photo").evaluate(LOADED_WIDTH) == 480
    page.click("button:has-text('照片正确')")
    page.wait_for_selector("text=学历照片完全正确？")
    page.click("button:has-text('确定')")
    page.wait_for_selector("[data-case=verdict_editable]")
    window = page.locator("[id^=window-]").inner_text()
    assert "23" in window  # about 23 h 59 min left
    page.screenshot(path=str(artifacts / "records-phone-zh-verdict.png"), full_page=True)
    assert Conclusion.objects.get().verdict == "correct"
    context.close()


def test_the_same_page_in_english(browser, live_server, student, artifacts):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2)
    page = context.new_page()
    log_in(page, live_server, student)
    page.wait_for_selector("[data-case=awaiting_verdict]")
    page.click("button[name=language][value=en]")
    page.wait_for_selector("text=Student status (学籍信息)")
    text = page.inner_text("main")
    assert "Is this your photo" in text and "Photo correct" in text
    page.screenshot(path=str(artifacts / "records-phone-en.png"), full_page=True)
    page.click("button:has-text('Photo wrong')")
    page.wait_for_selector("text=What is wrong?")
    page.check("input[value=swapped]")
    page.click("button:has-text('Submit')")
    page.wait_for_selector("[data-case=verdict_editable]")
    assert Conclusion.objects.get().wrong_reason == "swapped"
    context.close()
