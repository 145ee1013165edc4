"""The review queue: own school only, the right roles only, decisions through the guarded link."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from gradphoto.audit.models import AuditEvent
from gradphoto.common.testing import make_photo, make_record, make_student
from gradphoto.linking import labels
from gradphoto.linking.engine import run
from gradphoto.linking.models import ClaimState, LinkSuggestion, PhotoClaim
from gradphoto.linking.tests.test_engine import an_id, swapped
from gradphoto.photos.models import LinkState, Photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def suggestion(personas):
    """A photo of 张龙 collected as 张庞 (similar shape) with two digits swapped: suggested, not linked."""
    record = make_record(personas.school, name="张龙", id_number=an_id(201))
    photo = make_photo(record, personas.agency, name="张庞", id_number=swapped(record.id_number))
    run()
    return LinkSuggestion.objects.get(photo=photo, rank=1)


def contested(record, photo, student) -> PhotoClaim:
    """A claim already sent to the university (two claimants, or the photo linked meanwhile)."""
    return PhotoClaim.objects.create(
        student=student,
        record=record,
        photo=photo,
        school=record.school,
        state=ClaimState.CONFLICTED,
        created_at=photo.uploaded_at,
        effective_at=photo.uploaded_at,
    )


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_see_the_suggestion_with_its_evidence(personas, suggestion):
    page = client_for(personas.alice).get(reverse("linking:queue")).content.decode()
    assert f'data-suggestion="{suggestion.pk}"' in page
    assert "证件号码：有一位数字录错" in page and "姓名：有一个字音近或形近" in page
    assert "one_edit" not in page and "confusable" not in page  # codes are for machines
    record, typed = suggestion.record.id_number, suggestion.photo.id_number_collected
    shown = [i for i in range(18) if record[i] != typed[i]]  # the two swapped digits show, nothing else
    assert labels.masked_against(record, typed) in page and labels.masked_against(typed, record) in page
    visible = {i for i, c in enumerate(labels.masked_against(record, typed)) if c != "*"}
    assert visible == set(range(6)) | set(shown) | set(range(14, 18))
    english = client_for(personas.alice)
    english.post(reverse("set_language"), {"language": "en"})
    page = english.get(reverse("linking:queue")).content.decode()
    assert "ID number: one digit typed wrong" in page


def test_accepting_links_the_photo_and_is_audited(personas, suggestion):
    client = client_for(personas.alice)
    client.post(reverse("linking:suggestion_decide", args=[suggestion.pk]), {"action": "accept"})
    photo = suggestion.photo
    photo.refresh_from_db()
    assert (photo.link_state, photo.record_id, photo.link_method) == (
        LinkState.LINKED,
        suggestion.record_id,
        "review",
    )
    assert AuditEvent.objects.filter(action="link_suggestion.accepted", actor=personas.alice).exists()
    again = client.post(
        reverse("linking:suggestion_decide", args=[suggestion.pk]), {"action": "accept"}, follow=True
    )
    assert "该建议已处理" in again.content.decode()


def test_a_new_engine_run_keeps_an_open_suggestion_and_its_id_so_an_open_queue_still_works(
    personas, suggestion
):
    page = client_for(personas.alice).get(reverse("linking:queue")).content.decode()
    assert f'data-suggestion="{suggestion.pk}"' in page
    other = make_record(personas.school, name="李四", id_number=an_id(202))  # an import, then a run
    make_photo(other, personas.agency, name="李四", id_number=swapped(other.id_number))
    LinkSuggestion.objects.filter(pk=suggestion.pk).update(score=0.0, evidence={})
    run()
    kept = LinkSuggestion.objects.get(photo=suggestion.photo, record=suggestion.record)
    assert kept.pk == suggestion.pk and kept.state == "open"
    assert (kept.score, kept.evidence) == (suggestion.score, suggestion.evidence)  # refreshed by the run
    response = client_for(personas.alice).post(
        reverse("linking:suggestion_decide", args=[suggestion.pk]), {"action": "accept"}, follow=True
    )
    assert response.status_code == 200 and "照片已关联到 张龙" in response.content.decode()


def test_the_records_university_decides_wherever_the_photo_was_collected(personas, suggestion):
    """A photo collected under another school's code, suggested for this school's student: this school
    decides; the other school never sees this school's student (name, number, ID)."""
    Photo.objects.filter(pk=suggestion.photo_id).update(school=personas.other_school)
    run()
    kept = LinkSuggestion.objects.get(photo=suggestion.photo, record=suggestion.record)
    assert kept.pk == suggestion.pk and kept.school_id == personas.school.pk
    page = client_for(personas.alice).get(reverse("linking:queue")).content.decode()
    assert f'data-suggestion="{suggestion.pk}"' in page
    page = client_for(personas.bob).get(reverse("linking:queue")).content.decode()
    assert f'data-suggestion="{suggestion.pk}"' not in page and suggestion.record.name not in page
    accept = reverse("linking:suggestion_decide", args=[suggestion.pk])
    assert client_for(personas.bob).post(accept, {"action": "accept"}).status_code == 404


def test_a_suggestion_the_run_no_longer_makes_is_removed_and_a_decided_one_is_kept(personas, suggestion):
    LinkSuggestion.objects.create(
        photo=suggestion.photo,
        record=make_record(personas.school, name="赵五", id_number=an_id(203)),
        school=personas.school,
        score=1.0,
        created_at=suggestion.created_at,
    )
    rejected = LinkSuggestion.objects.create(
        photo=suggestion.photo,
        record=make_record(personas.school, name="钱六", id_number=an_id(204)),
        school=personas.school,
        score=1.0,
        state="rejected",
        created_at=suggestion.created_at,
    )
    run()
    left = set(LinkSuggestion.objects.filter(photo=suggestion.photo).values_list("pk", flat=True))
    assert left == {suggestion.pk, rejected.pk}


def test_accepting_for_a_record_that_got_a_photo_meanwhile_says_it_is_a_duplicate(personas, suggestion):
    make_photo(suggestion.record, personas.agency)  # the record's own photo arrived: linked
    said = client_for(personas.alice).post(
        reverse("linking:suggestion_decide", args=[suggestion.pk]), {"action": "accept"}, follow=True
    )
    page = said.content.decode()
    assert "已有照片" in page and "照片已关联到" not in page
    suggestion.photo.refresh_from_db()
    assert suggestion.photo.link_state == LinkState.DUPLICATE


def test_rejecting_keeps_the_photo_unlinked(personas, suggestion):
    client_for(personas.frank).post(
        reverse("linking:suggestion_decide", args=[suggestion.pk]), {"action": "reject"}
    )
    suggestion.refresh_from_db()
    assert suggestion.state == "rejected" and suggestion.photo.link_state == LinkState.UNLINKED


def test_another_schools_staff_get_404_and_see_nothing(personas, suggestion):
    client = client_for(personas.bob)
    assert f'data-suggestion="{suggestion.pk}"' not in client.get(reverse("linking:queue")).content.decode()
    response = client.post(reverse("linking:suggestion_decide", args=[suggestion.pk]), {"action": "accept"})
    assert response.status_code == 404
    suggestion.refresh_from_db()
    assert suggestion.state == "open"


@pytest.mark.parametrize("who", ["carol", "dave", "erin"])
def test_other_roles_are_refused(personas, suggestion, who):
    client = client_for(getattr(personas, who))
    assert client.get(reverse("linking:queue")).status_code == 403
    url = reverse("linking:suggestion_decide", args=[suggestion.pk])
    assert client.post(url, {"action": "accept"}).status_code == 403
    admission = reverse("records:admission_photo", args=[suggestion.record.pk])
    assert client.get(admission).status_code == 403


def test_a_student_is_refused_the_queue(personas, suggestion):
    student = make_student(make_record(personas.school))
    assert client_for(student).get(reverse("linking:queue")).status_code == 403


def test_the_university_awards_a_contested_photo(personas):
    first = make_record(personas.school, name="王芳", id_number=an_id(211))
    second = make_record(personas.school, name="王方", id_number=an_id(213))
    photo = make_photo(first, personas.agency, name="王坊", id_number="")
    claims = [contested(record, photo, make_student(record)) for record in (first, second)]
    assert (
        client_for(personas.bob)
        .post(reverse("linking:claim_decide", args=[claims[0].pk]), {"action": "award"})
        .status_code
        == 404
    )
    page = client_for(personas.alice).get(reverse("linking:queue")).content.decode()
    assert f'data-claim="{claims[0].pk}"' in page
    client_for(personas.alice).post(reverse("linking:claim_decide", args=[claims[0].pk]), {"action": "award"})
    photo.refresh_from_db()
    assert (photo.record, photo.link_method) == (first, "claim")
    assert [c.state for c in PhotoClaim.objects.order_by("pk")] == [
        ClaimState.EFFECTIVE,
        ClaimState.CANCELLED,
    ]


def test_claims_on_one_photo_are_shown_together_with_each_claimants_evidence(personas):
    first = make_record(personas.school, name="王芳", id_number=an_id(231))
    second = make_record(personas.school, name="王方", id_number=an_id(233))
    photo = make_photo(first, personas.agency, name="王芳", id_number=first.id_number)
    photo.record, photo.link_state = None, LinkState.UNLINKED
    photo.save()
    claims = [contested(record, photo, make_student(record)) for record in (first, second)]
    page = client_for(personas.alice).get(reverse("linking:queue")).content.decode()
    assert page.count(f'data-contested-photo="{photo.pk}"') == 1
    section = page.split(f'data-contested-photo="{photo.pk}"')[1].split("</section>")[0]
    assert [int(pk) for pk in re.findall(r'data-claim="(\d+)"', section)] == [c.pk for c in claims]
    mine, theirs = section.split('data-claim="')[1:]
    assert "证件号码：一致" in mine and "姓名：一致" in mine
    assert "证件号码：一致" not in theirs
    assert first.id_number not in page and second.id_number not in page  # masked


def _claimant_of_a_stray_photo(personas, number: str):
    """王芳's contested claim on an unlinked photo collected for someone else: (record, student, claim)."""
    record = make_record(personas.school, name="王芳", id_number=number)
    photo = make_photo(make_record(personas.school), personas.agency)
    photo.record, photo.link_state = None, LinkState.UNLINKED
    photo.save()
    student = make_student(record)
    return record, student, contested(record, photo, student)


def test_a_dismissed_claimant_is_told_on_the_page_and_by_message(personas):
    from gradphoto.notifications.models import Message

    record, student, claim = _claimant_of_a_stray_photo(personas, an_id(221))
    staff = client_for(personas.alice)
    response = staff.post(
        reverse("linking:claim_decide", args=[claim.pk]), {"action": "dismiss"}, follow=True
    )
    assert "已驳回 王芳" in response.content.decode()
    assert Message.objects.filter(user=student, kind="photo_claim.decided").exists()
    page = client_for(student).get(reverse("verification:records")).content.decode()
    assert 'data-claim="dismissed"' in page and f'id="search-{record.pk}"' in page


def test_an_unrelated_id_is_never_unmasked():
    one, other = "11010519900307123X", "440304200112254516"
    assert labels.masked_against(one, other) == "110105********123X"
    typo = one[:9] + "4" + one[10:]  # one digit of the birth date typed wrong
    assert labels.masked_against(one, typo) == "110105***0****123X"
    assert labels.masked_against(typo, one) == "110105***4****123X"


def test_every_reason_the_engine_gives_has_words_for_people():
    import inspect
    import re

    from gradphoto.linking.engine import decide

    source = inspect.getsource(decide)
    given = set(re.findall(r'return "([a-z_]+)"', source)) | set(re.findall(r'"([a-z_]+)" if ', source))
    given |= set(re.findall(r'else "([a-z_]+)"', source)) | {"near_tie", "twins", "conflict"}
    given -= {"below_threshold", "no_candidate"}  # reasons of `none`: no suggestion, nothing in the queue
    assert {"id_missing", "id_birth_only", "weak"} <= given
    assert given <= set(labels.REASONS), given - set(labels.REASONS)


def test_staff_see_what_tells_two_candidates_apart_and_no_award_for_a_linked_photo(personas, suggestion):
    page = client_for(personas.alice).get(reverse("linking:queue")).content.decode()
    record = suggestion.record
    assert f"{record.major} · {record.level} · {record.enrolled_on:%Y} 年入学" in page
    other = make_record(personas.school, name="张某")
    photo = suggestion.photo
    student = make_student(other)
    contested(other, photo, student)
    Photo.objects.filter(pk=photo.pk).update(record=other, link_state=LinkState.LINKED)
    page = client_for(personas.alice).get(reverse("linking:queue")).content.decode()
    claim_block = page[page.index("data-contested-photo") :]
    assert 'value="award"' not in claim_block and 'value="dismiss"' in claim_block


def test_a_claim_is_not_awarded_to_a_record_that_has_a_photo_now(personas):
    record = make_record(personas.school, name="王芳", id_number=an_id(221))
    photo = make_photo(make_record(personas.school), personas.agency, name="王坊", id_number="")
    claim = contested(record, photo, make_student(record))
    make_photo(record, personas.agency)  # the record's own photo arrived
    said = client_for(personas.alice).post(
        reverse("linking:claim_decide", args=[claim.pk]), {"action": "award"}, follow=True
    )
    assert "该学生的学籍现已有照片" in said.content.decode()
    photo.refresh_from_db()
    assert photo.link_state == LinkState.UNLINKED


def test_an_award_tells_the_student_once(personas, django_capture_on_commit_callbacks):
    from gradphoto.notifications.models import Message

    record = make_record(personas.school, name="王芳", id_number=an_id(231))
    student = make_student(record)
    photo = make_photo(make_record(personas.school), personas.agency, name="王坊", id_number="")
    claim = contested(record, photo, student)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(personas.alice).post(reverse("linking:claim_decide", args=[claim.pk]), {"action": "award"})
    kinds = list(Message.objects.filter(user=student).values_list("kind", flat=True))
    assert "photo.ready" not in kinds and kinds  # the decision's own message says it


def test_the_deciding_university_sees_the_photo_and_not_another_schools_student(personas, suggestion):
    Photo.objects.filter(pk=suggestion.photo_id).update(school=personas.other_school)
    run()
    image = reverse("photos:image", args=[suggestion.photo_id])
    assert client_for(personas.alice).get(image).status_code == 200
    claimant = make_record(personas.school, name="张某")
    contested(claimant, suggestion.photo, make_student(claimant))
    elsewhere = make_record(personas.other_school, name="赵敏秘", student_no="OTHER12345")
    Photo.objects.filter(pk=suggestion.photo_id).update(record=elsewhere, link_state=LinkState.LINKED)
    page = client_for(personas.alice).get(reverse("linking:queue")).content.decode()
    assert "赵敏秘" not in page and "OTHER12345" not in page and "其他高校" in page


def test_accepting_drops_the_photos_other_suggestions_without_refusing_them(personas, suggestion):
    elsewhere = make_record(personas.other_school, name="张隆")
    other = LinkSuggestion.objects.create(
        photo=suggestion.photo, record=elsewhere, school=personas.other_school, rank=2, score=9.0,
        created_at=suggestion.created_at,
    )  # fmt: skip
    client_for(personas.alice).post(
        reverse("linking:suggestion_decide", args=[suggestion.pk]), {"action": "accept"}
    )
    assert not LinkSuggestion.objects.filter(pk=other.pk).exists()
    assert not LinkSuggestion.objects.filter(record=elsewhere, state="rejected").exists()


def test_open_suggestions_written_before_the_rule_move_to_their_records_school(personas, suggestion):
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "gradphoto.linking.migrations.0002_suggestions_belong_to_the_records_school"
    )
    LinkSuggestion.objects.filter(pk=suggestion.pk).update(school=personas.other_school)
    migration.forwards(apps, None)
    suggestion.refresh_from_db()
    assert suggestion.school_id == suggestion.record.school_id == personas.school.pk


def test_accepting_a_suggestion_decides_the_contested_claims_on_its_photo(
    personas, suggestion, django_capture_on_commit_callbacks
):
    """The suggestion's record claimed the photo too, and so did another student: the accept settles
    both claims as an award would, instead of leaving the owner's claim to be dismissed as not theirs."""
    from gradphoto.notifications.models import Message

    other = make_record(personas.school)
    owner, rival = make_student(suggestion.record), make_student(other)
    mine = contested(suggestion.record, suggestion.photo, owner)
    theirs = contested(other, suggestion.photo, rival)
    with django_capture_on_commit_callbacks(execute=True):  # the messages go out after commit
        client_for(personas.alice).post(
            reverse("linking:suggestion_decide", args=[suggestion.pk]), {"action": "accept"}
        )
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.state, theirs.state) == (ClaimState.EFFECTIVE, ClaimState.CANCELLED)
    told = {m.user: m.subject for m in Message.objects.filter(kind="photo_claim.decided")}
    assert told[owner] == "学校已确认您认领的照片" and told[rival] == "您认领的照片未获学校确认"
    kinds = set(Message.objects.filter(user=owner).values_list("kind", flat=True))
    assert kinds == {"photo_claim.decided"}  # told once, with the decision: no second "photo ready"
    page = client_for(personas.alice).get(reverse("linking:queue")).content.decode()
    assert "data-contested-photo" not in page


def test_a_dismissal_can_say_why_and_the_admission_photo_is_there_to_compare(personas, tmp_path):
    """The university compares the collected photo with each claimant's 录取照片, and may tell a claimant
    why the photo is not theirs; only its own staff (and operators) see that admission photo."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from gradphoto.common.testing import tiny_jpeg
    from gradphoto.notifications.models import Message

    record, student, claim = _claimant_of_a_stray_photo(personas, an_id(231))
    record.admission_photo = default_storage.save("admission/wangfang.jpg", ContentFile(tiny_jpeg()))
    record.save(update_fields=["admission_photo"])
    staff = client_for(personas.alice)
    page = staff.get(reverse("linking:queue")).content.decode()
    url = reverse("records:admission_photo", args=[record.pk])
    assert f'data-admission="{record.pk}"' in page and url in page
    shown = staff.get(url)
    assert shown["Content-Type"] == "image/jpeg" and shown.content.startswith(b"\xff\xd8")
    for refused in (personas.bob, student):  # another school's staff; the student
        assert client_for(refused).get(url).status_code in (403, 404)
    staff.post(
        reverse("linking:claim_decide", args=[claim.pk]), {"action": "dismiss", "note": "照片中是男生"}
    )
    told = Message.objects.filter(user=student, kind="photo_claim.decided")  # e-mail and SMS
    assert told.count() == 2 and all("学校说明：照片中是男生" in m.body for m in told)


def test_an_admission_photo_leaves_without_its_metadata_or_trailing_bytes(personas):
    """The school's file is kept as sent; what a browser gets has no EXIF (GPS) and nothing after EOI."""
    import io

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from PIL import Image

    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    Image.new("RGB", (48, 64), (10, 20, 30)).save(buffer, "JPEG", exif=exif.tobytes())
    record = make_record(personas.school)
    sent = buffer.getvalue() + b"<html><script>alert(1)</script></html>"
    record.admission_photo = default_storage.save("admission/exif.jpg", ContentFile(sent))
    record.save(update_fields=["admission_photo"])
    body = client_for(personas.alice).get(reverse("records:admission_photo", args=[record.pk])).content
    assert b"PhoneMaker" not in body and b"<script>" not in body and body.startswith(b"\xff\xd8")
