"""Applications end to end through the services: every step, refusals, effects, concurrency, rollback."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from gradphoto.common import clock
from gradphoto.common.errors import Conflict, DomainError, NotAllowed, NotFound
from gradphoto.common.testing import at_once, make_photo, make_record, make_student
from gradphoto.corrections import services
from gradphoto.corrections.models import ApplicationEvent, AppState, FormType
from gradphoto.demo.portrait import photo_set
from gradphoto.photos.models import LinkState
from gradphoto.verification.models import Conclusion
from gradphoto.verification.selectors import Case, record_card_for_student
from gradphoto.verification.services import conclusion_submit

T0 = dt.datetime(2026, 11, 1, 9, tzinfo=clock.SHANGHAI)


def student_with_photo(personas, **record_fields):
    record = make_record(personas.school, learning_centre=personas.centre, **record_fields)
    photo = make_photo(record, personas.agency)
    return record, photo, make_student(record)


@pytest.fixture
def swapped(personas):
    a, photo_a, student_a = student_with_photo(personas)
    b, photo_b, student_b = student_with_photo(personas)
    conclusion_submit(student=student_a, record_id=a.pk, verdict="wrong", wrong_reason="swapped")
    conclusion_submit(student=student_b, record_id=b.pk, verdict="wrong", wrong_reason="swapped")
    return {
        "a": a,
        "b": b,
        "photo_a": photo_a,
        "photo_b": photo_b,
        "student_a": student_a,
        "student_b": student_b,
    }


@pytest.mark.django_db
def test_a_swap_goes_from_student_to_centre_to_service_to_university_and_is_applied(personas, swapped):
    app = services.application_report(
        student=swapped["student_a"],
        record_id=swapped["a"].pk,
        form_type=FormType.SWAP,
        reason="照片是别人的",
    )
    services.application_file(
        staff=personas.carol,
        application_id=app.pk,
        details={"counterpart_student_no": swapped["b"].student_no},
    )
    services.application_forward(staff=personas.dave, application_id=app.pk)
    services.application_approve(staff=personas.alice, application_id=app.pk)
    app.refresh_from_db()
    assert app.state == AppState.APPLIED
    swapped["photo_a"].refresh_from_db()
    swapped["photo_b"].refresh_from_db()
    assert swapped["photo_a"].record == swapped["b"] and swapped["photo_b"].record == swapped["a"]
    assert not Conclusion.objects.filter(deleted_at=None).exists()
    for who in ("a", "b"):
        card = record_card_for_student(swapped[f"student_{who}"], swapped[who].pk)
        assert card is not None and card.case == Case.AWAITING_VERDICT
    assert [e.to_state for e in ApplicationEvent.objects.filter(application=app)] == [
        "draft",
        "submitted",
        "forwarded",
        "applied",
    ]


@pytest.mark.django_db
def test_each_step_refuses_the_wrong_role_and_other_organisations(personas, swapped):
    app = services.application_report(
        student=swapped["student_a"], record_id=swapped["a"].pk, form_type=FormType.SWAP
    )
    with pytest.raises(NotFound):
        services.application_file(staff=personas.bob, application_id=app.pk, details={})
    with pytest.raises(NotAllowed):  # the centre files, not the school, when there is a centre
        services.application_file(
            staff=personas.alice,
            application_id=app.pk,
            details={"counterpart_student_no": swapped["b"].student_no},
        )
    services.application_file(
        staff=personas.carol,
        application_id=app.pk,
        details={"counterpart_student_no": swapped["b"].student_no},
    )
    with pytest.raises(NotAllowed):  # the service centre forwards first
        services.application_approve(staff=personas.alice, application_id=app.pk)
    with pytest.raises(NotAllowed):
        services.application_approve(staff=personas.dave, application_id=app.pk)
    with pytest.raises(NotFound):
        services.application_forward(staff=personas.erin, application_id=app.pk)
    with pytest.raises(NotFound):
        services.application_forward(staff=swapped["student_b"], application_id=app.pk)
    app.refresh_from_db()
    assert app.state == AppState.SUBMITTED


@pytest.mark.django_db
def test_a_student_reports_only_what_the_rules_offer(personas, swapped):
    with pytest.raises(NotAllowed):
        services.application_report(
            student=swapped["student_a"], record_id=swapped["a"].pk, form_type=FormType.REPLACE_PHOTO
        )
    with pytest.raises(NotFound):
        services.application_report(
            student=swapped["student_b"], record_id=swapped["a"].pk, form_type=FormType.SWAP
        )
    services.application_report(
        student=swapped["student_a"], record_id=swapped["a"].pk, form_type=FormType.SWAP
    )
    with pytest.raises(Conflict):
        services.application_report(
            student=swapped["student_a"], record_id=swapped["a"].pk, form_type=FormType.SWAP
        )


@pytest.mark.django_db
def test_rejection_needs_a_reason_and_returns_to_the_centre(personas, swapped):
    app = services.application_report(
        student=swapped["student_a"], record_id=swapped["a"].pk, form_type=FormType.SWAP
    )
    services.application_file(
        staff=personas.carol,
        application_id=app.pk,
        details={"counterpart_student_no": swapped["b"].student_no},
    )
    with pytest.raises(DomainError):
        services.application_reject(staff=personas.dave, application_id=app.pk, reason=" ")
    services.application_reject(staff=personas.dave, application_id=app.pk, reason="缺少学生签字")
    services.application_file(
        staff=personas.carol,
        application_id=app.pk,
        details={"counterpart_student_no": swapped["b"].student_no},
    )
    app.refresh_from_db()
    assert app.state == AppState.SUBMITTED


@pytest.mark.django_db
def test_a_locked_verdict_is_deleted_by_the_schools_own_office_without_a_centre(personas):
    record = make_record(personas.school)
    make_photo(record, personas.agency)
    student = make_student(record)
    with time_machine.travel(T0, tick=False):
        conclusion_submit(student=student, record_id=record.pk, verdict="correct")
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        app = services.application_report(
            student=student, record_id=record.pk, form_type=FormType.DELETE_VERDICT
        )
        services.application_file(staff=personas.alice, application_id=app.pk, details={})
        services.application_approve(staff=personas.alice, application_id=app.pk)
        card = record_card_for_student(student, record.pk)
    assert card is not None and card.case == Case.AWAITING_VERDICT


@pytest.mark.django_db
def test_a_replacement_photo_waits_for_the_fee_and_keeps_the_old_one_on_file(personas):
    personas.school.photo_change_fee = Decimal("30")
    personas.school.threshold_applies = False
    personas.school.save()
    record, old_photo, student = student_with_photo(personas)
    conclusion_submit(student=student, record_id=record.pk, verdict="wrong", wrong_reason="not_swapped")
    app = services.application_report(student=student, record_id=record.pk, form_type=FormType.REPLACE_PHOTO)
    with pytest.raises(DomainError):
        services.application_file(
            staff=personas.carol, application_id=app.pk, details={"new_photo": b"not a photo"}
        )
    services.application_file(
        staff=personas.carol, application_id=app.pk, details={"new_photo": photo_set(1)[0]}
    )
    services.application_forward(staff=personas.dave, application_id=app.pk)
    services.application_approve(staff=personas.alice, application_id=app.pk)
    app.refresh_from_db()
    assert app.state == AppState.AWAITING_FEE and app.fee == Decimal("30")
    with pytest.raises(Conflict):  # approve pressed again (a second tab, a retry): the fee stays due
        services.application_approve(staff=personas.alice, application_id=app.pk)
    old_photo.refresh_from_db()
    assert old_photo.link_state == LinkState.LINKED
    services.application_fee_paid(staff=personas.alice, application_id=app.pk)
    old_photo.refresh_from_db()
    assert old_photo.link_state == LinkState.DUPLICATE
    assert record.photos.get(link_state=LinkState.LINKED).link_method == "correction"


@pytest.mark.django_db
def test_a_failed_effect_rolls_back_everything(personas, swapped):
    app = services.application_report(
        student=swapped["student_a"], record_id=swapped["a"].pk, form_type=FormType.SWAP
    )
    services.application_file(
        staff=personas.carol,
        application_id=app.pk,
        details={"counterpart_student_no": swapped["b"].student_no},
    )
    services.application_forward(staff=personas.dave, application_id=app.pk)
    swapped["photo_b"].link_state = LinkState.DUPLICATE  # b lost its photo meanwhile
    swapped["photo_b"].save()
    with pytest.raises(Conflict):
        services.application_approve(staff=personas.alice, application_id=app.pk)
    app.refresh_from_db()
    swapped["photo_a"].refresh_from_db()
    assert app.state == AppState.FORWARDED and swapped["photo_a"].record == swapped["a"]
    assert Conclusion.objects.filter(deleted_at=None).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_staff_deciding_at_once_produce_one_decision(personas):
    a, photo_a, student_a = student_with_photo(personas)
    b, _photo_b, _student_b = student_with_photo(personas)
    conclusion_submit(student=student_a, record_id=a.pk, verdict="wrong", wrong_reason="swapped")
    app = services.application_report(student=student_a, record_id=a.pk, form_type=FormType.SWAP)
    services.application_file(
        staff=personas.carol, application_id=app.pk, details={"counterpart_student_no": b.student_no}
    )
    services.application_forward(staff=personas.dave, application_id=app.pk)
    outcomes = at_once(lambda: services.application_approve(staff=personas.alice, application_id=app.pk), 4)
    assert sorted(type(o).__name__ for o in outcomes) == ["Application", *["NotAllowed"] * 3], outcomes
    assert ApplicationEvent.objects.filter(application=app, to_state="applied").count() == 1
    photo_a.refresh_from_db()
    assert photo_a.record == b


@pytest.mark.django_db
def test_corrected_names_and_ids_get_fresh_linkage_keys(personas):
    """An erratum changes the record, a fixed collection the photo: the engine derives their keys again."""
    from gradphoto.corrections.effects import apply_effect
    from gradphoto.corrections.models import Application
    from gradphoto.linking.engine.keys import KEY_VERSION, keys_refresh
    from gradphoto.photos.models import Photo

    record = make_record(personas.school, learning_centre=personas.centre)
    photo = make_photo(record, personas.agency, name="张三丰")
    assert photo.link_state == LinkState.UNLINKED
    keys_refresh()
    now = clock.now()
    common = {"record": record, "school": record.school, "centre": personas.centre, "created_at": now}
    fix = Application.objects.create(form_type=FormType.FIX_IDENTITY, photo=photo, updated_at=now, **common)
    apply_effect(fix, personas.alice)
    photo = Photo.objects.get(pk=photo.pk)
    assert (photo.link_state, photo.key_version) == (LinkState.LINKED, 0)
    erratum = Application.objects.create(
        form_type=FormType.STATUS_ERRATUM, erratum={"name": "单伟"}, updated_at=now, **common
    )
    apply_effect(erratum, personas.alice)
    record.refresh_from_db()
    assert record.key_version == 0
    keys_refresh()
    record.refresh_from_db()
    assert (record.key_version, record.pinyin_key) == (KEY_VERSION, "shanwei")


@pytest.mark.django_db
def test_a_swap_names_only_a_student_the_filing_office_may_see(personas, swapped):
    """Another learning centre's student of the same school is answered as a 学号 that does not exist:
    filing would show that student's name, ID number and photo on this office's form."""
    app = services.application_report(
        student=swapped["student_a"], record_id=swapped["a"].pk, form_type=FormType.SWAP, reason="x"
    )
    elsewhere = make_record(personas.school, learning_centre=personas.other_centre)
    make_photo(elsewhere, personas.agency)
    answers = []
    for number in (elsewhere.student_no, "NO-SUCH-NUMBER"):
        with pytest.raises(DomainError) as refused:
            services.application_file(
                staff=personas.carol, application_id=app.pk, details={"counterpart_student_no": number}
            )
        answers.append((refused.value.code, refused.value.message))
    assert answers[0] == answers[1] and answers[0][0] == "counterpart_required"
    app.refresh_from_db()
    assert app.counterpart_id is None and app.state == AppState.DRAFT


@pytest.mark.django_db
def test_form_b_for_a_graduate_without_a_photo_files_with_a_new_photo(personas):
    """Form B without a collection number takes the e-photo identical to the diploma's (DOMAIN §8)."""
    record = make_record(personas.school, learning_centre=personas.centre, status="graduated")
    student = make_student(record)
    app = services.application_report(
        student=student, record_id=record.pk, form_type=FormType.GRADUATED_UNLINKED
    )
    services.application_file(
        staff=personas.carol, application_id=app.pk, details={"new_photo": photo_set(1)[0]}
    )
    app.refresh_from_db()
    assert app.state == AppState.SUBMITTED and app.new_photo and app.photo_id is None


@pytest.mark.django_db(transaction=True)
def test_a_report_sent_twice_at_once_opens_one_application(personas, swapped):
    """A double tap on 报告 (PostgreSQL: both requests in parallel) opens one application, not two."""
    from django.db import connection

    from gradphoto.corrections.models import Application

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's write lock already serialises the transactions")
    report = lambda: services.application_report(  # noqa: E731
        student=swapped["student_a"], record_id=swapped["a"].pk, form_type=FormType.SWAP
    )
    outcomes = at_once(report, 6)
    assert sum(isinstance(o, Conflict) for o in outcomes) == 5
    assert Application.objects.filter(record=swapped["a"]).count() == 1
