"""没照片,找找看 in Chromium: search, claim, wait out the delay, verify (PRODUCT.md decision 7)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from gradphoto.common.testing import browser_log_in, make_photo, make_record, make_student
from gradphoto.demo.portrait import photo_set
from gradphoto.linking.claims import claims_apply_due
from gradphoto.linking.models import PhotoClaim
from gradphoto.linking.tests.test_engine import an_id, substituted
from gradphoto.verification.models import Conclusion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
START = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


@pytest.fixture
def student(personas):
    """王晓明 has no photo: his was collected as 王小明 with one ID digit wrong."""
    record = make_record(personas.school, name="王晓明", id_number=an_id(501))
    make_photo(
        record, personas.agency, name="王小明", id_number=substituted(record.id_number), data=photo_set(1)[0]
    )
    return make_student(record)


def log_in(page, live_server, student) -> None:
    browser_log_in(page, live_server.url, student.email, next_url="/xueji/")


def test_a_student_without_a_photo_finds_claims_and_verifies_it(browser, live_server, student, artifacts):
    with time_machine.travel(START, tick=True) as traveller:
        context = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="zh-CN")
        page = context.new_page()
        log_in(page, live_server, student)
        page.wait_for_selector("[data-case=no_photo]")
        page.click("[id^=search-]")
        page.wait_for_selector("[data-candidate='1']")
        loaded = (
            "img => img.complete ? img.naturalWidth"
            " : new Promise(r => { img.onload = () => r(img.naturalWidth); })"
        )
        assert page.locator("[data-candidate='1'] img.photo").evaluate(loaded) == 120
        assert "王*" in page.inner_text("#search-results") and "王小明" not in page.content()
        page.screenshot(path=str(artifacts / "claim-search-zh.png"), full_page=True)
        page.click("#claim-1")
        page.wait_for_selector("[data-claim=pending]")
        assert "2026-03-03 10:0" in page.inner_text("[data-claim=pending]")
        page.screenshot(path=str(artifacts / "claim-pending-zh.png"), full_page=True)
        assert PhotoClaim.objects.get().state == "pending"

        traveller.move_to(START + dt.timedelta(hours=24, minutes=5))
        assert claims_apply_due() == {"effective": 1}  # the worker's periodic call
        log_in(page, live_server, student)  # a day later the session has expired
        page.wait_for_selector("[data-case=awaiting_verdict]")
        page.click("button:has-text('照片正确')")
        page.wait_for_selector("text=学历照片完全正确？")
        page.click("button:has-text('确定')")
        page.wait_for_selector("[data-case=verdict_editable]")
        page.screenshot(path=str(artifacts / "claim-verified-zh.png"), full_page=True)
        assert Conclusion.objects.get().verdict == "correct"
        context.close()
