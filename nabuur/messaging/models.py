"""Messages to members and the durable outbox that delivers them.

A `Message` is written in one or more languages (`MessageVariant`). Queuing it freezes its
recipients into one `Delivery` row each: that row is the only truth about whether one person got
the e-mail (see nabuur/messaging/delivery.py for how workers claim and record rows).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nabuur.networks.models import Network


class MessageKind(models.TextChoices):
    FEEDBACK = "feedback", _("feedback after an incident")
    PREVENTION = "prevention", _("prevention tip")
    INFORMATION = "information", _("information")
    NEWSLETTER = "newsletter", _("newsletter")
    INVITATION = "invitation", _("meeting or activity invitation")
    MISSING_PERSON = "missing_person", _("missing person or disaster notice")


# Police-only notices that reach members even while they pause their membership.
KINDS_IGNORING_PAUSES = {MessageKind.MISSING_PERSON}


class MessageState(models.TextChoices):
    DRAFT = "draft", _("draft")
    AWAITING_APPROVAL = "awaiting_approval", _("awaiting approval")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    AWAITING_FORWARD = "awaiting_forward", _("awaiting forwarding by a coordinator")
    FORWARDED = "forwarded", _("forwarded")
    DECLINED = "declined", _("declined")
    SCHEDULED = "scheduled", _("scheduled")
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    CANCELLED = "cancelled", _("cancelled")


class Message(models.Model):
    """One message to the members of one or more BINs."""

    kind = models.CharField(_("class"), max_length=20, choices=MessageKind.choices)
    # Kept when the author's account is erased: the message log still counts the message.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages_written",
    )
    state = models.CharField(
        _("state"), max_length=20, choices=MessageState.choices, default=MessageState.DRAFT
    )
    scheduled_for = models.DateTimeField(_("send at"), null=True, blank=True)
    targets = models.ManyToManyField(Network, related_name="messages", verbose_name=_("BINs"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "scheduled_for"])]

    def __str__(self):
        return f"message #{self.pk}"

    @property
    def ignores_pauses(self):
        return self.kind in KINDS_IGNORING_PAUSES


class MessageVariant(models.Model):
    """The message in one language, rendered once when it is saved by the editor."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="variants")
    language = models.CharField(_("language"), max_length=2)
    subject = models.CharField(_("subject"), max_length=200)
    body_markdown = models.TextField(_("text"))
    # Sanitized HTML and faithful plain text, both derived from body_markdown.
    body_html = models.TextField()
    body_text = models.TextField()

    class Meta:
        verbose_name = _("language version")
        verbose_name_plural = _("language versions")
        constraints = [
            models.UniqueConstraint(fields=["message", "language"], name="one_variant_per_language")
        ]

    def __str__(self):
        return f"{self.message} ({self.language})"


class DeliveryState(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    DEFERRED = "deferred", _("deferred")
    FAILED = "failed", _("failed")
    BOUNCED = "bounced", _("bounced")


# Rows a worker may claim once their next_attempt_at has come.
WAITING_STATES = [DeliveryState.QUEUED, DeliveryState.DEFERRED]


class Delivery(models.Model):
    """One message to one person: the outbox row a worker claims, sends and records."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    # NULL once the person is erased; the row stays so the message's counts stay true.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    # The address when the message was queued; a later change does not redirect this e-mail.
    email = models.CharField(_("e-mail address"), max_length=254)
    # One language ("nl") or two joined with "+" ("nl+fr") for a bilingual e-mail.
    languages = models.CharField(_("language"), max_length=8)
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # The Message-ID header, without angle brackets; stable across retries.
    message_id_header = models.CharField(max_length=200, unique=True)
    # Random secret in the unsubscribe, preference and feedback links and the VERP address.
    token = models.CharField(max_length=32, unique=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["message", "user"],
                condition=Q(user__isnull=False),
                name="one_delivery_per_person_and_message",
            )
        ]
        indexes = [
            # The queue: only waiting rows are indexed, so the index stays small.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state__in=WAITING_STATES),
                name="delivery_queue",
            ),
            # Claims left behind by a killed worker.
            models.Index(
                fields=["claimed_at"],
                condition=Q(state=DeliveryState.SENDING),
                name="delivery_claims",
            ),
            # The rate limit counts what was sent in the last second and day.
            models.Index(
                fields=["sent_at"], condition=Q(state=DeliveryState.SENT), name="delivery_sent"
            ),
            models.Index(fields=["message", "state"], name="delivery_message_state"),
        ]

    def __str__(self):
        return f"delivery #{self.pk}"

    @property
    def language_list(self):
        return self.languages.split("+")
