"""In Chromium: a swapped pair is reported, filed, forwarded, approved; both verify their own photos."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gradphoto.common.testing import browser_log_in, make_photo, make_record, make_student
from gradphoto.demo.portrait import photo_set

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_as(browser, live_server, username: str, phone: bool = False):
    size = {"width": 390, "height": 844} if phone else {"width": 1100, "height": 900}
    return browser_log_in(browser.new_context(viewport=size).new_page(), live_server.url, username)


def test_a_swap_from_report_to_both_students_verifying(browser, live_server, personas, artifacts):
    faces = photo_set(2)
    first = make_record(personas.school, name="黄俊杰", learning_centre=personas.centre)
    second = make_record(personas.school, name="马晓东", learning_centre=personas.centre)
    photo_of_first = make_photo(second, personas.agency, data=faces[0])  # collected onto the wrong records
    photo_of_second = make_photo(first, personas.agency, data=faces[1])
    students = [make_student(first), make_student(second)]

    page = open_as(browser, live_server, students[0].email, phone=True)
    page.click("button:has-text('照片错误')")
    page.check("input[value=swapped]")
    page.click("button:has-text('提交')")
    page.wait_for_selector("[data-form=a_swap]")
    page.click("[data-form=a_swap] button[type=submit]")
    page.wait_for_selector("#application[data-state=draft]")
    page.screenshot(path=str(artifacts / "swap-reported.png"), full_page=True)
    application_url = page.url

    page = open_as(browser, live_server, personas.carol.username)
    page.goto(application_url)
    page.fill("input[name=counterpart_student_no]", second.student_no)
    page.click("#file-form button[type=submit]")
    page.wait_for_selector("#application[data-state=submitted]")

    page = open_as(browser, live_server, personas.dave.username)
    page.goto(live_server.url + reverse("corrections:worklist") + "?state=submitted")
    page.click(f"a[href='{application_url.replace(live_server.url, '')}']")
    page.click("button[value=forward]")
    page.wait_for_selector("#application[data-state=forwarded]")

    page = open_as(browser, live_server, personas.alice.username)
    page.goto(application_url)
    page.click("button[value=approve]")
    page.wait_for_selector("#application[data-state=applied]")
    page.screenshot(path=str(artifacts / "swap-applied.png"), full_page=True)

    for student, own_photo in zip(students, (photo_of_first, photo_of_second), strict=True):
        page = open_as(browser, live_server, student.email, phone=True)
        page.wait_for_selector("[data-case=awaiting_verdict]")
        assert page.locator("img.photo").get_attribute("src") == reverse("photos:image", args=[own_photo.pk])
        page.click("button:has-text('照片正确')")
        page.click("button:has-text('确定')")
        page.wait_for_selector("[data-case=verdict_editable]")
