"""The public verification page (BR-H3/H4/H5): no login, no enumeration, a per-address limit, a log."""

from __future__ import annotations

import datetime as dt
import re
import statistics
import time

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gradphoto.common import clock
from gradphoto.graduation.models import DiplomaRecord, LookupOutcome, PublicLookup
from gradphoto.graduation.reports import report_create, report_revoke

from .support import graduate, register, set_president

pytestmark = pytest.mark.django_db
VERIFY = reverse("graduation:verify")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture
def diploma(personas):
    set_president(personas.school)
    record, _, student = graduate(personas, name="林晓雨")
    register(personas.alice, [record])
    return DiplomaRecord.objects.get(record=record), student


def post(client, data, ip="203.0.113.5", **extra):
    return client.post(VERIFY, data, REMOTE_ADDR=ip, **extra)


def test_a_valid_code_shows_the_report_with_the_photo_and_never_the_id_number(client, diploma):
    found, student = diploma
    report = report_create(student=student, diploma_id=found.pk, validity_days=30)
    response = post(client, {"kind": "code", "code": report.code.lower()})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-result="valid"' in html
    for value in (
        found.name,
        found.certificate_no,
        found.school_name,
        found.major,
        f"{found.birth_date:%Y-%m-%d}",
    ):
        assert value in html
    assert found.id_number not in html and found.id_number[-6:] not in html
    photo_url = re.search(r'id="verify-photo" src="([^"]+)"', html)[1]
    photo = client.get(photo_url)
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "no-store"


def test_the_qr_url_opens_the_report(client, diploma):
    found, student = diploma
    report = report_create(student=student, diploma_id=found.pk, validity_days=30)
    html = client.get(reverse("graduation:verify_code", args=[report.code])).content.decode()
    assert 'data-result="valid"' in html and found.certificate_no in html


def test_a_revoked_code_gives_the_same_answer_as_a_mistyped_one(client, diploma):
    found, student = diploma
    report = report_create(student=student, diploma_id=found.pk, validity_days=30)
    report_revoke(student=student, report_id=report.pk)
    revoked = post(client, {"kind": "code", "code": report.code}).content.decode()
    unknown = post(client, {"kind": "code", "code": "A" * 16}).content.decode()
    assert 'data-result="invalid"' in revoked and found.name not in revoked
    assert CSRF.sub("", revoked) == CSRF.sub("", unknown)


def test_the_photo_url_needs_a_signed_token(client, diploma):
    assert client.get(reverse("graduation:verify_photo", args=["forged:token"])).status_code == 404


def test_certificate_and_name_answer_match(client, diploma):
    found, _ = diploma
    html = post(
        client, {"kind": "certificate", "certificate_no": found.certificate_no, "name": "林晓雨"}
    ).content
    assert b'data-result="match"' in html


def test_no_such_certificate_and_a_wrong_name_look_the_same(client, diploma):
    found, _ = diploma
    unknown_no = str(int(found.certificate_no) + 1)
    wrong_name = post(
        client, {"kind": "certificate", "certificate_no": found.certificate_no, "name": "林小雨"}
    )
    no_such = post(client, {"kind": "certificate", "certificate_no": unknown_no, "name": "林小雨"})
    assert wrong_name.status_code == no_such.status_code == 200
    assert 'data-result="no_match"' in wrong_name.content.decode()
    assert CSRF.sub("", wrong_name.content.decode()) == CSRF.sub("", no_such.content.decode())
    assert found.name not in wrong_name.content.decode()


def test_no_such_certificate_and_a_wrong_name_take_similar_time(client, diploma, settings):
    settings.GRADPHOTO = {**settings.GRADPHOTO, "VERIFY_LOOKUPS_PER_WINDOW": 1000}
    found, _ = diploma
    cases = {"wrong": found.certificate_no, "none": "100011202605999999"}

    def timed(number: str) -> float:
        started = time.perf_counter()
        post(client, {"kind": "certificate", "certificate_no": number, "name": "林小雨"})
        return time.perf_counter() - started

    for number in cases.values():
        timed(number)  # warm-up
    samples: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(25):  # interleaved, so a burst of load on the machine hits both alike
        for key, number in cases.items():
            samples[key].append(timed(number))
    medians = {k: statistics.median(v) for k, v in samples.items()}
    # Same path either way (one indexed query, one comparison, one log row): within a loose factor.
    assert max(medians.values()) < 2 * min(medians.values()), medians


def test_a_diploma_is_not_public_before_its_issue_date(client, personas):
    set_president(personas.school)
    record, _, _ = graduate(personas, expected_graduation_on=dt.date(2026, 12, 20))
    with time_machine.travel(dt.datetime(2026, 11, 1, 9, tzinfo=clock.SHANGHAI), tick=False):
        register(personas.alice, [record])
        html = post(
            client,
            {"kind": "certificate", "certificate_no": record.diploma.certificate_no, "name": record.name},
        )
    assert b'data-result="no_match"' in html.content


def test_the_limit_per_address_answers_429(client, diploma, settings):
    settings.GRADPHOTO = {**settings.GRADPHOTO, "VERIFY_LOOKUPS_PER_WINDOW": 3}
    found, _ = diploma
    data = {"kind": "certificate", "certificate_no": found.certificate_no, "name": "x"}
    t0 = dt.datetime(2026, 11, 20, 9, tzinfo=clock.SHANGHAI)
    with time_machine.travel(t0, tick=False):
        assert [post(client, data).status_code for _ in range(4)] == [200, 200, 200, 429]
        assert b'id="rate-limited"' in post(client, data).content
        assert post(client, data, ip="198.51.100.7").status_code == 200  # another address is not affected
        assert (
            client.get(
                reverse("graduation:verify_code", args=["A" * 16]), REMOTE_ADDR="203.0.113.5"
            ).status_code
            == 429
        )
    with time_machine.travel(t0 + dt.timedelta(minutes=11), tick=False):
        assert post(client, data).status_code == 200


def test_every_query_is_logged_without_the_code_in_clear(client, diploma):
    found, student = diploma
    report = report_create(student=student, diploma_id=found.pk, validity_days=30)
    post(client, {"kind": "code", "code": report.code})
    post(client, {"kind": "code", "code": "B" * 16})
    post(client, {"kind": "certificate", "certificate_no": found.certificate_no, "name": "林晓雨"})
    post(client, {"kind": "batch", "text": f"林晓雨;{found.certificate_no}\n王五;100011202605000099"})
    rows = list(
        PublicLookup.objects.order_by("id").values_list("kind", "outcome", "ip", "key_hash", "report_id")
    )
    assert [(k, o) for k, o, *_ in rows] == [
        ("code", LookupOutcome.VALID),
        ("code", LookupOutcome.NOT_FOUND),
        ("certificate", LookupOutcome.MATCH),
        ("batch", LookupOutcome.MATCH),
        ("batch", LookupOutcome.NO_MATCH),
    ]
    assert {ip for _, _, ip, _, _ in rows} == {"203.0.113.5"} and rows[0][4] == report.pk
    dump = repr(list(PublicLookup.objects.values()))
    assert report.code not in dump and found.certificate_no not in dump
    hashes = [h for *_, h, _ in rows]
    assert all(len(h) == 64 for h in hashes) and len(set(hashes)) == 4
    assert hashes[2] == hashes[3]  # the same certificate asked twice can be recognised in the log


def test_a_batch_checks_20_lines_and_leaves_the_21st_unchecked(client, diploma):
    found, _ = diploma
    lines = [f"林晓雨;{found.certificate_no}"] + [f"学生{n};1000112026050{n:05d}" for n in range(100, 120)]
    html = post(client, {"kind": "batch", "text": "\n".join(lines)}).content.decode()
    results = re.findall(r'data-line="(\d+)" data-result="([^"]+)"', html)
    assert len(results) == 21
    assert results[0] == ("1", "唯一匹配")
    assert {r for _, r in results[1:20]} == {"无匹配"}
    assert results[20] == ("21", "未核对")
    assert PublicLookup.objects.filter(kind="batch").count() == 20


def test_malformed_batch_lines_are_unchecked(client, diploma):
    found, _ = diploma
    text = f"林晓雨 {found.certificate_no}\n林晓雨；{found.certificate_no}\n;123\n"
    html = post(client, {"kind": "batch", "text": text}).content.decode()
    assert re.findall(r'data-result="([^"]+)"', html) == ["未核对", "唯一匹配", "未核对"]


def test_a_batch_comes_as_a_gbk_text_file(client, diploma):
    found, _ = diploma
    upload = SimpleUploadedFile("list.txt", f"林晓雨;{found.certificate_no}\r\n".encode("gbk"))
    html = post(client, {"kind": "batch", "text": "", "file": upload}).content.decode()
    assert 'data-result="唯一匹配"' in html


def test_the_public_page_needs_no_login_and_is_linked_for_visitors(client):
    html = client.get(reverse("home")).content.decode()
    assert f'href="{VERIFY}"' in html
    assert client.get(VERIFY).status_code == 200
