"""In Chromium: a university uploads 学籍, an agency uploads a batch, a student then sees the photo."""

from __future__ import annotations

import pytest

from gradphoto.common.testing import LOADED_WIDTH, browser_log_in, make_record, make_student
from gradphoto.demo.portrait import photo_set
from gradphoto.imports.testing import batch_zip, photo_row, record_row, records_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(browser, live_server, username: str):
    page = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True).new_page()
    return browser_log_in(page, live_server.url, username)


def test_records_then_photos_then_the_student_sees_the_photo(
    browser, live_server, personas, tmp_path, artifacts
):
    template = make_record(personas.school, name="欧阳娜娜")
    rows = [record_row(template)]
    template.delete()
    student = make_student(None, real_name="欧阳娜娜", id_number=rows[0]["SFZH"])
    (tmp_path / "学籍.csv").write_bytes(records_csv(rows))

    page = log_in(browser, live_server, personas.alice.username)
    page.click("text=导入")
    page.set_input_files("input[name=file]", str(tmp_path / "学籍.csv"))
    page.click("button:has-text('上传')")
    page.wait_for_selector("#job[data-status=done]")
    assert page.locator("progress").get_attribute("value") == "100"
    page.screenshot(path=str(artifacts / "import-records-report.png"), full_page=True)
    with page.expect_download() as download:
        page.click("text=下载报告")
    assert download.value.suggested_filename.endswith(".xlsx")

    record = student.records.get()
    (tmp_path / "batch.zip").write_bytes(
        batch_zip([photo_row(record, 1)], {"photos/000001.jpg": photo_set(1)[0]})
    )
    page = log_in(browser, live_server, personas.erin.username)
    page.goto(live_server.url + "/imports/")
    page.set_input_files("input[name=file]", str(tmp_path / "batch.zip"))
    page.click("button:has-text('上传')")
    page.wait_for_selector("#job[data-status=done]")
    summary = page.inner_text("#summary")
    assert "1" in summary
    page.screenshot(path=str(artifacts / "import-photos-report.png"), full_page=True)

    page = log_in(browser, live_server, student.email)
    page.wait_for_selector("[data-case=awaiting_verdict]")
    assert page.locator("img.photo").evaluate(LOADED_WIDTH) == 480
    page.close()
