"""The outbox: one row per e-mail or SMS, delivered after commit and retried (ARCHITECTURE.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")  # gave up after the last attempt


# A message is sent or given up once; both are final.
TRANSITIONS: dict[str, set[str]] = {
    MessageStatus.PENDING: {MessageStatus.SENT, MessageStatus.FAILED},
    MessageStatus.SENT: set(),
    MessageStatus.FAILED: set(),
}


class Message(models.Model):
    channel = models.CharField(max_length=5, choices=Channel.choices)
    recipient = models.CharField(max_length=254)  # an e-mail address or a mobile number
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    kind = models.CharField(max_length=40)  # e.g. application.decided, remind.unverified
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    status = models.CharField(max_length=7, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # Due time while pending; a worker that claims the message pushes it one lease ahead.
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    dedupe_key = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        constraints = [
            # The same reminder is never queued twice, even by two processes at once.
            models.UniqueConstraint(
                fields=["dedupe_key"], condition=~Q(dedupe_key=""), name="one_message_per_dedupe_key"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.channel} {self.kind} → {self.recipient} ({self.status})"
