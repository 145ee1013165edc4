"""In Chromium: the school registers, the graduate applies for a report, an employer verifies the code."""

from __future__ import annotations

import pytest

from gradphoto.common import clock
from gradphoto.common.testing import LOADED_WIDTH, browser_log_in
from gradphoto.demo.portrait import photo_set
from gradphoto.graduation.models import DiplomaRecord, PublicLookup

from .support import graduate, set_president

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1100, "height": 900}


def open_as(browser, live_server, username: str | None, viewport: dict[str, int]):
    page = browser.new_context(
        viewport=viewport, device_scale_factor=2 if viewport is PHONE else 1
    ).new_page()
    if username is None:
        page.goto(live_server.url + "/")
        return page
    return browser_log_in(page, live_server.url, username)


def school_registers(browser, live_server, personas, record, blocked, artifacts) -> DiplomaRecord:
    """The school ticks both graduates and registers them with today's date as the issue date."""
    page = open_as(browser, live_server, personas.alice.username, DESKTOP)
    page.click("#nav-graduation")
    page.wait_for_selector(f"tr[data-record='{record.pk}'][data-ok='1']")
    page.check(f"#pick-{record.pk}")
    page.check(f"#pick-{blocked.pk}")
    page.fill("#id_graduated_on", f"{clock.today():%Y-%m-%d}")
    page.screenshot(path=str(artifacts / "graduation-candidates.png"), full_page=True)
    page.click("#register-selected")
    page.wait_for_selector("#batch-summary")
    assert page.inner_text("#count-registered") == "1" and page.inner_text("#count-refused") == "1"
    assert (
        page.locator(f"#refusals tr[data-student-no='{blocked.student_no}'] [data-code=no_verdict]").count()
        == 1
    )
    page.screenshot(path=str(artifacts / "graduation-registered.png"), full_page=True)
    diploma = DiplomaRecord.objects.get(record=record)
    assert page.locator(f"[data-certificate='{diploma.certificate_no}']").count() == 1
    return diploma


def graduate_applies(browser, live_server, student, diploma, artifacts) -> str:
    """The graduate sees 学历信息 with the frozen photo and applies for a 60-day report."""
    page = open_as(browser, live_server, student.email, PHONE)
    page.goto(live_server.url + "/xueli/")
    page.wait_for_selector(f"#diploma-{diploma.pk}[data-published='1']")
    assert page.locator(f"#diploma-{diploma.pk} img.photo").evaluate(LOADED_WIDTH) == 480
    page.select_option(f"#validity-{diploma.pk}", "60")
    page.click(f"#report-create-{diploma.pk}")
    page.wait_for_selector("[data-report][data-state=valid]")
    code = page.locator("[data-code]").first.get_attribute("data-code")
    assert code is not None and len(code) == 16
    page.screenshot(path=str(artifacts / "graduation-xueli-report.png"), full_page=True)
    return code


def employer_verifies(browser, live_server, code, diploma, artifacts) -> None:
    """An employer, not logged in, verifies the code, then checks a batch, then opens the QR URL."""
    page = open_as(browser, live_server, None, PHONE)
    page.click("#nav-verify")
    page.fill("#code-form input[name=code]", code.lower())
    page.click("#code-submit")
    page.wait_for_selector("#verify-result[data-result=valid]")
    shown = page.inner_text("#verify-result")
    assert diploma.certificate_no in shown and diploma.name in shown
    assert diploma.id_number not in page.content()
    assert page.locator("#verify-photo").evaluate(LOADED_WIDTH) == 480
    page.screenshot(path=str(artifacts / "graduation-verify-code.png"), full_page=True)
    lines = f"{diploma.name};{diploma.certificate_no}\n王某;{diploma.certificate_no}"
    page.fill("#batch-form textarea[name=text]", lines)
    page.click("#batch-submit")
    page.wait_for_selector("#batch-result")
    assert page.locator("#batch-result [data-result=唯一匹配]").count() == 1
    assert page.locator("#batch-result [data-result=无匹配]").count() == 1
    page.screenshot(path=str(artifacts / "graduation-verify-batch.png"), full_page=True)
    page.goto(f"{live_server.url}/xueli/verify/{code}")
    page.wait_for_selector("#verify-result[data-result=valid]")


def test_from_registration_to_an_employer_verifying_the_code(browser, live_server, personas, artifacts):
    set_president(personas.school)
    faces = photo_set(2)
    record, _, student = graduate(personas, name="陈思远", photo_data=faces[0])
    blocked, _, _ = graduate(personas, name="李明轩", photo_data=faces[1], verdict=None)
    diploma = school_registers(browser, live_server, personas, record, blocked, artifacts)
    code = graduate_applies(browser, live_server, student, diploma, artifacts)
    employer_verifies(browser, live_server, code, diploma, artifacts)
    assert PublicLookup.objects.filter(kind="code", outcome="valid").count() == 2
