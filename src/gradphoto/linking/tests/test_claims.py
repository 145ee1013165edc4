"""没照片,找找看: the privacy rules of the search and the claim's delay (RELIABILITY.md §6.4)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from gradphoto.audit.models import AuditEvent
from gradphoto.common import idnumber
from gradphoto.common.testing import make_photo, make_record, make_student
from gradphoto.linking.claims import claims_apply_due
from gradphoto.linking.models import ClaimState, PhotoClaim, PhotoSearch
from gradphoto.linking.tests.test_engine import an_id, substituted
from gradphoto.photos.models import LinkState
from gradphoto.records.models import RecordStatus, StudentRecord

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai


@pytest.fixture
def setup(personas):
    """李明 (no photo) and his photo collected as 李铭 with one ID digit wrong, plus another's photo."""
    record = make_record(personas.school, name="李明", id_number=an_id(101))
    mine = make_photo(record, personas.agency, name="李铭", id_number=substituted(record.id_number))
    student = make_student(record)
    client = Client()
    client.force_login(student)
    return record, mine, student, client


def search(client: Client, record) -> tuple[int, str, PhotoSearch | None]:
    response = client.post(reverse("linking:search", args=[record.pk]), follow=True)
    return response.status_code, response.content.decode(), PhotoSearch.objects.order_by("-pk").first()


def test_a_student_finds_own_photo_masked_and_sees_its_thumbnail(setup):
    record, mine, student, client = setup
    status, page, found = search(client, record)
    assert status == 200 and found is not None
    candidate = found.candidates.get()
    assert candidate.photo == mine and candidate.name_masked == "李*"
    assert "李铭" not in page and mine.id_number_collected not in page
    assert not re.search(r"\d{17}[\dX]", page)  # REQ-MK-01: no full ID number anywhere
    image = client.get(reverse("linking:thumbnail", args=[found.token, 1]))
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert AuditEvent.objects.filter(action="photo_search.run", actor=student).exists()


def test_it_never_offers_a_photo_of_another_school(personas, setup):
    record, mine, _, client = setup
    mine.school = personas.other_school
    mine.save()
    _, _, found = search(client, record)
    assert found.result_count == 0


def _results_section(page: str) -> str:
    section = re.search(r'<section class="card" id="search-results".*?</section>', page, re.S)
    assert section is not None
    return re.sub(r"#(record|report)-\d+", r"#\1-N", section.group(0))


def test_nothing_found_and_not_yours_read_the_same(personas, setup):
    record, mine, _, client = setup
    mine.school = personas.other_school  # close, but not a photo this student may see
    mine.save()
    _, not_yours, _ = search(client, record)
    lonely = make_record(personas.school, name="周强", id_number=an_id(301, area="320102"))
    other = Client()
    other.force_login(make_student(lonely))
    _, nothing, _ = search(other, lonely)
    assert _results_section(not_yours) == _results_section(nothing)
    assert 'id="nothing-found"' in nothing
    link = re.search(r'id="report-link" href="[^"#]+#(report-\d+)"', nothing).group(1)
    assert f'id="{link}"' in other.get(reverse("verification:records")).content.decode()  # leads to the form


def test_a_thumbnail_is_refused_to_anyone_else_and_after_the_search_expires(personas, setup):
    record, _, _, client = setup
    _, _, found = search(client, record)
    url = reverse("linking:thumbnail", args=[found.token, 1])
    other = Client()
    other.force_login(make_student(make_record(personas.school)))
    assert other.get(url).status_code == 404
    staff = Client()
    staff.force_login(personas.alice)
    assert staff.get(url).status_code == 403
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)):
        assert client.get(url).status_code == 404


def test_the_daily_limit_counts_searches_per_shanghai_day(settings, setup):
    record, _, _, client = setup
    settings.GRADPHOTO = {**settings.GRADPHOTO, "PHOTO_SEARCHES_PER_DAY": 2}
    with time_machine.travel(NOON, tick=False):
        for _ in range(2):
            search(client, record)
        before = PhotoSearch.objects.count()
        assert before == 2
        _, page, _ = search(client, record)
        assert PhotoSearch.objects.count() == before and "search" in page.lower()
        assert AuditEvent.objects.filter(action="photo_search.limited").exists()
        last = PhotoSearch.objects.order_by("-pk").first()
        results = client.get(reverse("linking:search_results", args=[last.token])).content.decode()
        assert re.search(r'id="searches-left">[^<]*明天再试', results)  # not "0 more times"
        page = client.get(reverse("verification:records")).content.decode()
        assert f'id="search-none-left-{record.pk}"' in page  # said before the student tries again
        assert re.search(rf'id="search-{record.pk}" type="submit" disabled', page)  # and nothing to press
    with time_machine.travel(NOON + dt.timedelta(hours=12), tick=False):  # 00:00 next day in Shanghai
        search(client, record)
        assert PhotoSearch.objects.count() == before + 1


@pytest.mark.parametrize("why", ["graduated", "has_photo", "excluded", "not_own"])
def test_only_a_registered_record_of_ones_own_without_a_photo_may_search(personas, setup, why):
    record, _, _, client = setup
    if why == "graduated":
        record.status = RecordStatus.GRADUATED
        record.save()
    elif why == "has_photo":
        make_photo(record, personas.other_agency)
    elif why == "excluded":
        record.school = personas.excluded_school
        record.save()
    else:
        record = make_record(personas.school)
    assert client.post(reverse("linking:search", args=[record.pk])).status_code == 404
    assert not PhotoSearch.objects.exists()


def test_a_claim_links_after_the_delay_and_the_student_verifies(setup):
    record, mine, _, client = setup
    with time_machine.travel(NOON, tick=False):
        _, _, found = search(client, record)
        client.post(reverse("linking:claim", args=[found.token, 1]))
        claim = PhotoClaim.objects.get()
        assert claim.state == ClaimState.PENDING
        page = client.get(reverse("verification:records")).content.decode()
        assert 'data-claim="pending"' in page and "2026-03-03 12:00" in page
        # The claim leads the card; the reasons a photo can be missing are folded under it.
        assert page.index('data-claim="pending"') < page.index("照片缺失的其他可能原因")
        assert "该学籍暂未关联照片" not in page
    with time_machine.travel(NOON + dt.timedelta(hours=23), tick=False):
        assert claims_apply_due() == {}
    with time_machine.travel(NOON + dt.timedelta(hours=24, minutes=1), tick=False):
        assert claims_apply_due() == {"effective": 1}
    mine.refresh_from_db()
    assert (mine.record, mine.link_state, mine.link_method) == (record, LinkState.LINKED, "claim")
    page = client.get(reverse("verification:records")).content.decode()
    assert 'data-case="awaiting_verdict"' in page
    assert AuditEvent.objects.filter(action="photo_claim.effective").exists()


def test_two_students_claiming_one_photo_go_to_the_university(personas, setup):
    record, mine, _, client = setup
    twin = make_record(personas.school, name="李鸣", id_number=substituted(substituted(record.id_number), 12))
    twin_client = Client()
    twin_client.force_login(make_student(twin, id_number=twin.id_number))
    _, _, first = search(client, record)
    _, _, second = search(twin_client, twin)
    assert second.result_count >= 1 and second.candidates.first().photo == mine
    client.post(reverse("linking:claim", args=[first.token, 1]))
    said = twin_client.post(reverse("linking:claim", args=[second.token, 1]), follow=True).content.decode()
    assert set(PhotoClaim.objects.values_list("state", flat=True)) == {ClaimState.CONFLICTED}
    assert "由学校作出决定" in said and "等待期结束后" not in said  # not told the photo will just appear
    withdrawn = client.post(
        reverse("linking:claim_cancel", args=[PhotoClaim.objects.first().pk]), follow=True
    )
    assert "学校决定" in withdrawn.content.decode()  # still open, with the university: not "already decided"
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=2)):
        claims_apply_due()
    mine.refresh_from_db()
    assert mine.link_state == LinkState.UNLINKED


def test_a_claim_made_first_does_not_hide_the_photo_from_its_owner(personas, setup):
    """The first claimant may be the wrong one: the owner still finds the photo, and claiming it within
    the delay sends both claims to the university instead of letting the first one win."""
    record, mine, _, client = setup
    twin = make_record(personas.school, name="李鸣", id_number=substituted(substituted(record.id_number), 12))
    twin_client = Client()
    twin_client.force_login(make_student(twin, id_number=twin.id_number))
    _, _, theirs = search(twin_client, twin)
    twin_client.post(reverse("linking:claim", args=[theirs.token, 1]))
    assert PhotoClaim.objects.get().state == ClaimState.PENDING
    _, page, found = search(client, record)
    assert found.result_count == 1 and found.candidates.get().photo == mine
    assert idnumber.mask(mine.id_number_collected) in page  # shown like any other candidate
    client.post(reverse("linking:claim", args=[found.token, 1]))
    assert set(PhotoClaim.objects.values_list("state", flat=True)) == {ClaimState.CONFLICTED}
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=2)):
        assert claims_apply_due() == {}
    mine.refresh_from_db()
    assert mine.link_state == LinkState.UNLINKED


def test_a_photo_linked_meanwhile_sends_the_claim_to_the_university(personas, setup):
    record, mine, _, client = setup
    _, _, found = search(client, record)
    client.post(reverse("linking:claim", args=[found.token, 1]))
    other = make_record(personas.school)
    mine.record, mine.link_state = other, LinkState.LINKED
    mine.save()
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=2)):
        assert claims_apply_due() == {"conflicted": 1}


def test_claiming_from_an_old_result_page_after_the_photo_arrived_says_why(setup):
    record, mine, _, client = setup
    _, _, found = search(client, record)
    mine.record, mine.link_state = record, LinkState.LINKED  # linked meanwhile (the queue, an import)
    mine.save()
    response = client.post(reverse("linking:claim", args=[found.token, 1]), follow=True)
    assert response.status_code == 200 and "无需认领" in response.content.decode()
    assert not PhotoClaim.objects.exists()


def test_a_student_may_withdraw_a_pending_claim(setup):
    record, _, _, client = setup
    _, _, found = search(client, record)
    client.post(reverse("linking:claim", args=[found.token, 1]))
    claim = PhotoClaim.objects.get()
    client.post(reverse("linking:claim_cancel", args=[claim.pk]))
    claim.refresh_from_db()
    assert claim.state == ClaimState.CANCELLED


def test_a_photo_the_university_refused_this_record_is_not_offered_again(personas, setup):
    from gradphoto.linking.claims import claim_move

    record, mine, _, client = setup
    _, _, found = search(client, record)
    assert found.candidates.get().photo == mine
    client.post(reverse("linking:claim", args=[found.token, 1]))
    claim = PhotoClaim.objects.get()
    claim_move(claim, None, ClaimState.CONFLICTED, "contested")
    claim_move(claim, personas.alice, ClaimState.CANCELLED, "dismissed by the university")
    _, _, again = search(client, record)
    assert again.result_count == 0


def test_a_pair_the_university_rejected_is_not_offered_to_the_student(personas, setup):
    from gradphoto.common import clock
    from gradphoto.linking.models import LinkSuggestion, SuggestionState

    record, mine, _, client = setup
    LinkSuggestion.objects.create(
        photo=mine, record=record, school=personas.school, score=20.0, created_at=clock.now(),
        state=SuggestionState.REJECTED,
    )  # fmt: skip
    _, _, found = search(client, record)
    assert found.result_count == 0


def test_a_claim_falls_due_after_the_record_got_its_own_photo_goes_to_the_university(personas, setup):
    """Linking it then would file it as the record's duplicate: out of the pool its owner searches."""
    record, mine, _, client = setup
    _, _, found = search(client, record)
    client.post(reverse("linking:claim", args=[found.token, 1]))
    claim = PhotoClaim.objects.get()
    make_photo(record, personas.agency)  # the record's own photo arrives, exactly typed: it links
    assert claims_apply_due(now=claim.effective_at) == {"conflicted": 1}
    claim.refresh_from_db()
    mine.refresh_from_db()
    assert claim.state == ClaimState.CONFLICTED and mine.link_state == LinkState.UNLINKED


def test_a_claimed_photos_suggestions_leave_the_queue_data_with_the_next_run(personas, setup):
    from gradphoto.linking.engine import run
    from gradphoto.linking.models import LinkSuggestion

    record, mine, _, client = setup
    other = make_record(personas.school, name="李敏", id_number=an_id(909))
    LinkSuggestion.objects.create(
        photo=mine, record=other, school=personas.school, score=9.0, created_at=NOON
    )
    _, _, found = search(client, record)
    client.post(reverse("linking:claim", args=[found.token, 1]))
    claim = PhotoClaim.objects.get()
    with time_machine.travel(claim.effective_at + dt.timedelta(minutes=1)):
        run()  # applies the due claim, then finds the photo's suggestion moot
    mine.refresh_from_db()
    assert mine.link_state == LinkState.LINKED
    assert not LinkSuggestion.objects.filter(photo=mine, state="open").exists()


def test_results_past_their_time_say_so_and_a_claim_from_them_returns_there(personas, setup):
    record, _, _, client = setup
    _, _, found = search(client, record)
    results = reverse("linking:search_results", args=[found.token])
    with time_machine.travel(found.created_at + dt.timedelta(minutes=31)):
        page = client.get(results).content.decode()
        assert 'id="results-expired"' in page and "<img" not in page and 'id="search-again"' in page
        claimed = client.post(reverse("linking:claim", args=[found.token, 1]))
        assert claimed.status_code == 302 and claimed["Location"] == results
        assert not PhotoClaim.objects.exists()
    nothing = make_record(personas.school, name="周强", id_number=an_id(301, area="320102"))
    other = Client()
    other.force_login(make_student(nothing))
    _, _, empty = search(other, nothing)
    with time_machine.travel(empty.created_at + dt.timedelta(minutes=31)):  # the same words: no oracle
        assert (
            'id="results-expired"'
            in other.get(reverse("linking:search_results", args=[empty.token])).content.decode()
        )


def test_the_student_is_told_when_the_claimed_photo_is_there_to_verify(
    personas, setup, django_capture_on_commit_callbacks
):
    from gradphoto.notifications.models import Message

    record, _, student, client = setup
    _, _, found = search(client, record)
    client.post(reverse("linking:claim", args=[found.token, 1]))
    claim = PhotoClaim.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        claims_apply_due(now=claim.effective_at)
    assert Message.objects.filter(user=student, kind="photo.ready").count() >= 1


def test_a_claim_whose_record_changed_during_the_wait_goes_to_the_university(personas, setup):
    record, mine, _, client = setup
    _, _, found = search(client, record)
    client.post(reverse("linking:claim", args=[found.token, 1]))
    claim = PhotoClaim.objects.get()
    StudentRecord.objects.filter(pk=record.pk).update(status=RecordStatus.SUSPENDED)  # 休学 meanwhile
    assert claims_apply_due(now=claim.effective_at) == {"conflicted": 1}
    mine.refresh_from_db()
    assert mine.link_state == LinkState.UNLINKED


def test_a_refused_search_is_in_the_audit_log_with_the_record_asked_for(personas, setup):
    _, _, student, client = setup
    someone = make_record(personas.school)
    status, _, _ = search(client, someone)
    assert status == 404 and not PhotoSearch.objects.exists()
    refused = AuditEvent.objects.get(action="photo_search.refused", actor=student)
    assert refused.after == {"record": someone.pk}
