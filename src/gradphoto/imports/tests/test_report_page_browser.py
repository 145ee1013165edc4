"""In Chromium at 390 px: a row error's whole message is readable, and the operator's import list keeps
every column on screen (no table scrolls sideways)."""

from __future__ import annotations

import pytest

from gradphoto.common.testing import browser_log_in
from gradphoto.imports.testing import records_csv
from gradphoto.imports.tests.test_job_recovery import finished
from gradphoto.imports.tests.test_records_import import template_rows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
# How far a table reaches beyond its scrolling box (0 when nothing is hidden to the right).
OVERFLOW = "wrap => wrap.scrollWidth - wrap.clientWidth"


def phone(browser, live_server, username: str):
    return browser_log_in(browser.new_context(viewport=PHONE).new_page(), live_server.url, username)


def test_row_errors_are_read_whole_on_a_phone(browser, live_server, personas, artifacts):
    rows = template_rows(personas, 3)
    rows[1]["SFZH"] = rows[1]["SFZH"][:-1] + ("0" if rows[1]["SFZH"][-1] != "0" else "1")
    rows[2]["XZ"] = "9"
    job = finished("records", personas.alice, "xueji.csv", records_csv(rows))
    page = phone(browser, live_server, personas.alice.username)
    page.goto(f"{live_server.url}/imports/{job.pk}/")
    page.screenshot(path=str(artifacts / "import-errors-390.png"), full_page=True)
    assert page.locator("#row-errors .table-wrap").evaluate(OVERFLOW) <= 0
    for cell in page.locator("#row-errors td.message").all():
        box = cell.bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    assert "身份证号校验位不正确" in page.locator("#row-errors").inner_text()


def test_the_operators_list_fits_a_phone(browser, live_server, personas, artifacts):
    finished(
        "records",
        personas.alice,
        "一个很长的学籍文件名称-2026届-第二批.csv",
        records_csv(template_rows(personas, 1)),
    )
    page = phone(browser, live_server, personas.frank.username)
    page.click("#nav-imports")
    page.wait_for_selector("#jobs")
    page.screenshot(path=str(artifacts / "import-list-operator-390.png"), full_page=True)
    assert page.locator("#jobs").evaluate(OVERFLOW) <= 0
    for selector in ("#jobs td.rejected", "#jobs td.org"):
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    assert "北京大学" in page.locator("#jobs").inner_text()
