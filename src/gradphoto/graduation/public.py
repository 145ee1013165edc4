"""The public verification of diplomas, no login (DOMAIN.md BR-H3/H4/H5, §15.7).

Every query is logged (`PublicLookup`) with a keyed hash of what was asked, never the code or number in
clear, and the same rows drive the per-address limit (the project has no shared cache). The rows are
written in autocommit, so a refused query stays logged; two requests racing at the limit may both pass.
A certificate query answers only "match" or "no match": an unknown number and a wrong name take the same
path, one indexed query and one constant-time comparison, and give the same answer.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass

from django.core import signing
from django.db.models import Sum
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from gradphoto.common import clock
from gradphoto.common.errors import DomainError

from .models import DiplomaRecord, LookupKind, LookupOutcome, PublicLookup, ReportState, VerificationReport
from .reports import find_report, normalise_code
from .rules import BATCH_LIMIT, lookup_window, setting

CERTIFICATE = re.compile(r"[0-9]{17,18}")
MAX_BATCH_CHARS = 16 * 1024
MATCH, NO_MATCH, NOT_CHECKED = "唯一匹配", "无匹配", "未核对"
PHOTO_SALT = "gradphoto.graduation.verify-photo"
PHOTO_TOKEN_SECONDS = 15 * 60


class RateLimited(DomainError):
    code = "rate_limited"


def client_ip(request: HttpRequest) -> str:
    """The peer address; behind a reverse proxy, the proxy must pass the client's address as REMOTE_ADDR."""
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 - a value, not a bind address


def photo_token(report: VerificationReport) -> str:
    """A signed, expiring token for the photo of a report just verified (codes never appear in it)."""
    return signing.dumps(report.pk, salt=PHOTO_SALT)


def report_for_photo_token(token: str) -> VerificationReport | None:
    """The report of a photo token while both the token and the report are valid."""
    try:
        report_id = signing.loads(token, salt=PHOTO_SALT, max_age=PHOTO_TOKEN_SECONDS)
    except signing.BadSignature:
        return None
    report = VerificationReport.objects.select_related("diploma").filter(pk=report_id).first()
    if report is None or report.state_at(clock.now()) != ReportState.VALID:
        return None
    return report


def key_hash(value: str) -> str:
    """A keyed hash for the log: lets an operator find repeated queries without storing the value."""
    return salted_hmac("gradphoto.graduation.lookup", value, algorithm="sha256").hexdigest()


def _log(ip: str, kind: str, outcome: str, key: str = "", **extra: object) -> PublicLookup:
    return PublicLookup.objects.create(
        at=clock.now(), ip=ip, kind=kind, outcome=outcome, key_hash=key_hash(key) if key else "", **extra
    )


def _spend(ip: str, kind: str, cost: int) -> None:
    """Refuse (and log the refusal) when the address has used its lookups of the current window."""
    since = clock.now() - lookup_window()
    used = (
        PublicLookup.objects.filter(ip=ip, at__gte=since)
        .exclude(outcome=LookupOutcome.RATE_LIMITED)
        .aggregate(total=Sum("cost"))["total"]
        or 0
    )
    if used + cost > int(setting("VERIFY_LOOKUPS_PER_WINDOW")):
        _log(ip, kind, LookupOutcome.RATE_LIMITED, cost=0)
        raise RateLimited(_("Too many lookups from your address. Try again in a few minutes."))


def lookup_code(*, ip: str, raw_code: str) -> VerificationReport | None:
    """The report while it is valid, else None (mistyped, expired and revoked codes look the same)."""
    _spend(ip, LookupKind.CODE, 1)
    code = normalise_code(raw_code)
    report = find_report(code)
    if report is None:
        _log(ip, LookupKind.CODE, LookupOutcome.NOT_FOUND, code)
        return None
    state = report.state_at(clock.now())
    if state != ReportState.VALID:
        _log(ip, LookupKind.CODE, state, code, report=report)
        return None
    _log(ip, LookupKind.CODE, LookupOutcome.VALID, code, report=report)
    return report


def _matches(diploma: DiplomaRecord | None, name: str) -> bool:
    stored = diploma.name if diploma is not None and diploma.is_published(clock.today()) else ""
    # Compare even when nothing was found, so both refusals cost the same.
    same = hmac.compare_digest(stored.encode(), name.encode())
    return diploma is not None and bool(stored) and same


def normalise_certificate(raw: str) -> str:
    return re.sub(r"\s", "", raw).translate({ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９"})


def lookup_certificate(*, ip: str, certificate_no: str, name: str) -> str:
    """零散查询 (BR-H4): "match", "no_match" or "malformed"; nothing else about the diploma is said."""
    _spend(ip, LookupKind.CERTIFICATE, 1)
    number, name = normalise_certificate(certificate_no), name.strip()
    if not CERTIFICATE.fullmatch(number) or not name:
        _log(ip, LookupKind.CERTIFICATE, LookupOutcome.MALFORMED, number)
        return LookupOutcome.MALFORMED
    diploma = DiplomaRecord.objects.filter(certificate_no=number).only("name", "graduated_on").first()
    outcome = LookupOutcome.MATCH if _matches(diploma, name) else LookupOutcome.NO_MATCH
    _log(ip, LookupKind.CERTIFICATE, outcome, number)
    return outcome


@dataclass
class BatchLine:
    line: int
    text: str
    name: str = ""
    certificate_no: str = ""
    result: str = NOT_CHECKED
    note: str = ""


def parse_batch(text: str) -> list[BatchLine]:
    """`姓名;证书编号` per line (BR-H5); the first 20 well-formed lines are checked, the rest 未核对."""
    lines: list[BatchLine] = []
    checkable = 0
    for number, raw in enumerate(text[:MAX_BATCH_CHARS].splitlines(), start=1):
        if not raw.strip():
            continue
        line = BatchLine(line=number, text=raw.strip()[:80])
        parts = [p.strip() for p in re.split(r"[;；]", raw)]
        if len(parts) != 2 or not parts[0] or not CERTIFICATE.fullmatch(normalise_certificate(parts[1])):
            line.note = "格式不正确，应为“姓名;证书编号”"
        elif checkable >= BATCH_LIMIT:
            line.note = f"超过{BATCH_LIMIT}条，未核对"
        else:
            checkable += 1
            line.name, line.certificate_no = parts[0], normalise_certificate(parts[1])
        lines.append(line)
    return lines


def lookup_batch(*, ip: str, text: str) -> list[BatchLine]:
    """企业批量查询: 唯一匹配 / 无匹配 / 未核对 per line; each checked line counts as one lookup."""
    lines = parse_batch(text)
    checked = [line for line in lines if line.certificate_no]
    _spend(ip, LookupKind.BATCH, max(1, len(checked)))
    if not checked:
        _log(ip, LookupKind.BATCH, LookupOutcome.MALFORMED)
        return lines
    found = {
        d.certificate_no: d
        for d in DiplomaRecord.objects.filter(certificate_no__in=[line.certificate_no for line in checked])
    }
    for line in checked:
        matched = _matches(found.get(line.certificate_no), line.name)
        line.result = MATCH if matched else NO_MATCH
        outcome = LookupOutcome.MATCH if matched else LookupOutcome.NO_MATCH
        _log(ip, LookupKind.BATCH, outcome, line.certificate_no, checked=1, matched=int(matched))
    return lines
