"""The outbox: queue e-mail and SMS inside a transaction, deliver after commit with retries."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse

from gradphoto.accounts.models import AccountState, User
from gradphoto.common import clock
from gradphoto.common.conf import rule
from gradphoto.photos.models import LinkState, Photo
from gradphoto.records.models import RecordStatus, StudentRecord
from gradphoto.verification.models import Conclusion

from .backends import get_sms_backend
from .models import TRANSITIONS, Channel, Message, MessageStatus

log = logging.getLogger(__name__)
# A claimed message is hidden from other workers this long; sends time out well before it ends.
LEASE = dt.timedelta(minutes=10)
SMTP_TIMEOUT_SECONDS = 30
MAX_RETRY_DELAY = dt.timedelta(days=1)
READY_TEXT = "您的学历照片已上传，请登录学籍信息页面完成校对"


def notify(*, user: User, kind: str, subject: str, body: str, sms: str = "", key: str = "") -> list[Message]:
    """Queue an e-mail (and an SMS) in the caller's transaction; delivery starts only after commit."""
    wanted: list[tuple[str, str, str, str]] = []
    if user.email:
        wanted.append((Channel.EMAIL, user.email, subject, body))
    if sms and user.mobile:
        wanted.append((Channel.SMS, user.mobile, subject, sms))
    created: list[Message] = []
    for channel, recipient, title, text in wanted:
        message = _queue(
            user=user, kind=kind, channel=channel, recipient=recipient, subject=title, body=text, key=key
        )
        if message is not None:
            created.append(message)
    if created:
        ids = [m.pk for m in created]
        # robust: a queue that is down must not fail the caller's committed change; the rows stay
        # pending and `gradphoto send-notifications` delivers them.
        transaction.on_commit(lambda: _enqueue(ids), robust=True)
    return created


def _queue(
    *, user: User, kind: str, channel: str, recipient: str, subject: str, body: str, key: str
) -> Message | None:
    dedupe_key = f"{key}:{channel}" if key else ""
    if dedupe_key and Message.objects.filter(dedupe_key=dedupe_key).exists():
        return None
    now = clock.now()
    try:
        # A savepoint: a concurrent twin that wins the unique key costs this row, not the caller's work.
        with transaction.atomic():
            return Message.objects.create(
                channel=channel,
                recipient=recipient,
                user=user,
                kind=kind,
                subject=subject[:200],
                body=body,
                next_attempt_at=now,
                created_at=now,
                dedupe_key=dedupe_key,
            )
    except IntegrityError:
        if dedupe_key and Message.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise


def _enqueue(message_ids: list[int]) -> None:
    from .tasks import deliver_messages

    deliver_messages.enqueue(message_ids)


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff after the n-th failed attempt: 1, 5, 25, 125 minutes …, at most a day."""
    return min(dt.timedelta(minutes=5 ** max(attempts - 1, 0)), MAX_RETRY_DELAY)


def deliver(message_ids: list[int] | None = None) -> dict[str, int]:
    """Send the due pending messages (all, or those of message_ids); each is claimed, so sent once."""
    due = Message.objects.filter(status=MessageStatus.PENDING, next_attempt_at__lte=clock.now())
    if message_ids is not None:
        due = due.filter(pk__in=message_ids)
    counts = {"sent": 0, "retrying": 0, "failed": 0, "skipped": 0}
    for pk in list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)):
        counts[_deliver_one(pk)] += 1
    return counts


def _claim(pk: int) -> Message | None:
    """Push the due time one lease ahead with a conditional update: two workers never send one message."""
    now = clock.now()
    due = Message.objects.filter(pk=pk, status=MessageStatus.PENDING, next_attempt_at__lte=now)
    if due.update(next_attempt_at=now + LEASE) != 1:
        return None
    return Message.objects.get(pk=pk)


def _deliver_one(pk: int) -> str:
    message = _claim(pk)
    if message is None:
        return "skipped"  # another worker has it, or it is no longer due
    try:
        _send(message)
    except Exception as error:
        log.warning("notification %s (%s) failed: %s", message.pk, message.channel, error)
        return _record_failure(message, error)
    _record(message, MessageStatus.SENT, attempts=message.attempts + 1, sent_at=clock.now(), last_error="")
    return "sent"


def _send(message: Message) -> None:
    if message.channel == Channel.SMS:
        get_sms_backend().send(mobile=message.recipient, text=message.body)
        return
    # A timeout well inside the lease, so a hung server never lets a second worker send again.
    timeout = getattr(settings, "EMAIL_TIMEOUT", None) or SMTP_TIMEOUT_SECONDS
    EmailMessage(
        subject=message.subject,
        body=message.body,
        to=[message.recipient],
        connection=get_connection(timeout=timeout),
    ).send()


def _record_failure(message: Message, error: Exception) -> str:
    """Retry with backoff until GRADPHOTO_NOTIFY_MAX_ATTEMPTS attempts have failed, then give up."""
    attempts = message.attempts + 1
    reason = f"{type(error).__name__}: {error}"[:2000]
    if attempts >= rule("NOTIFY_MAX_ATTEMPTS"):
        _record(message, MessageStatus.FAILED, attempts=attempts, last_error=reason)
        return "failed"
    next_at = clock.now() + retry_delay(attempts)
    _record(message, MessageStatus.PENDING, attempts=attempts, last_error=reason, next_attempt_at=next_at)
    return "retrying"


def _record(message: Message, to: str, **fields: object) -> None:
    """Write an attempt's outcome; only a pending message moves (TRANSITIONS), so sent stays sent."""
    if to != MessageStatus.PENDING and to not in TRANSITIONS[MessageStatus.PENDING]:
        raise ValueError(f"pending → {to} is not a transition")
    Message.objects.filter(pk=message.pk, status=MessageStatus.PENDING).update(status=to, **fields)


def _awaiting_verdict() -> QuerySet[StudentRecord]:
    """Registered records of active accounts whose linked photo has no live verdict (the page's P3)."""
    linked = Photo.objects.filter(record=OuterRef("pk"), link_state=LinkState.LINKED)
    verdict = Conclusion.objects.filter(
        record=OuterRef("pk"),
        photo__record=OuterRef("pk"),
        photo__link_state=LinkState.LINKED,
        deleted_at=None,
    )
    return (
        StudentRecord.objects.filter(
            status=RecordStatus.REGISTERED,
            account__account_state=AccountState.ACTIVE,
            school__excluded=False,
        )
        .filter(Exists(linked))
        .exclude(Exists(verdict))
    )


def _chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def remind_unverified(*, today: dt.date | None = None) -> int:
    """Remind each student still to verify before the school's deadline: once per record and deadline."""
    today = today or clock.today()
    last_day = today + dt.timedelta(days=rule("REMINDER_DAYS"))
    records = (
        _awaiting_verdict()
        .filter(school__verification_deadline__gte=today, school__verification_deadline__lte=last_day)
        .select_related("school", "account")
        .order_by("pk")
    )
    reminded = 0
    for record in records:
        with transaction.atomic():
            reminded += bool(_remind(record))
    return reminded


def _remind(record: StudentRecord) -> list[Message]:
    deadline = record.school.verification_deadline
    assert deadline is not None and record.account is not None  # the query guarantees both
    day, school, page = _chinese_date(deadline), record.school.name, reverse("verification:records")
    return notify(
        user=record.account,
        kind="remind.unverified",
        subject=f"请在{day}前完成学历照片校对",
        body=(
            f"{record.name}同学：\n\n"
            f"您在{school}的学历照片已上传，学校的校对截止日期为{day}。"
            f"请在截止日期前登录本系统，打开“学籍信息”页面（{page}）核对照片，"
            "并选择“照片正确”或“照片错误”。\n\n学历照片校对系统"
        ),
        sms=f"{record.name}同学，请在{day}前登录学籍信息页面（{page}）完成学历照片校对。{school}",
        key=f"remind:{record.pk}:{deadline.isoformat()}",
    )


def notify_photos_ready(*, photo_ids: list[int]) -> int:
    """Tell each student once that the photo is there to verify (the seed's 奥鹏 SMS, DOMAIN BR-A3)."""
    photos = (
        Photo.objects.filter(
            pk__in=photo_ids,
            link_state=LinkState.LINKED,
            record__account__account_state=AccountState.ACTIVE,
            record__school__excluded=False,
        )
        .exclude(record__status=RecordStatus.GRADUATED)
        .select_related("record__account", "record__school")
        .order_by("pk")
    )
    page = reverse("verification:records")
    notified = 0
    for photo in photos:
        record = photo.record
        assert record is not None and record.account is not None  # the query guarantees both
        with transaction.atomic():
            notified += bool(
                notify(
                    user=record.account,
                    kind="photo.ready",
                    subject="您的学历照片已上传，请完成校对",
                    body=f"{record.name}同学：\n\n{READY_TEXT}（{page}）。\n\n{record.school.name}",
                    sms=READY_TEXT,
                    key=f"ready:{photo.pk}",
                )
            )
    return notified
