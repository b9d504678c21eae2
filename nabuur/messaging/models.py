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

# The classes a member may choose not to receive, per BIN, each with the Membership field that
# keeps the choice. Feedback after an incident and missing-person notices always arrive.
OPTIONAL_KINDS = {
    MessageKind.PREVENTION: "receives_prevention",
    MessageKind.INFORMATION: "receives_information",
    MessageKind.NEWSLETTER: "receives_newsletter",
    MessageKind.INVITATION: "receives_invitation",
}


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
    author_side = models.CharField(
        _("written by"),
        max_length=12,
        choices=[("police", _("police")), ("coordinator", _("coordinator"))],
        blank=True,
    )
    # The plan version of the first target when the message was submitted.
    plan_version = models.PositiveIntegerField(_("plan version"), null=True, blank=True)
    # A feedback message may follow up an earlier message.
    follows = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
        verbose_name=_("follows up"),
    )
    # A police message split per BIN so that each BIN's coordinators forward their own copy.
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    forward_note = models.TextField(_("note from the coordinator"), blank=True)
    # The police author's written reason to send despite guardrail findings (also audited).
    override_justification = models.TextField(_("justification for sending anyway"), blank=True)
    # {Outcome: count}, stored when the message is sent (delivery.finish_messages) and stored
    # again when a held e-mail goes out later or a bounce changes one of its deliveries
    # (delivery.recount_deliveries): the message log shows 25 sent messages without counting
    # their 250,000 rows on each visit. None until then; pages count the rows of a message that
    # is still being sent.
    delivery_totals = models.JSONField(null=True, blank=True, editable=False)
    # A police message left waiting for its coordinators: when they were reminded, and when
    # the BIN's other partners were told (nabuur.messaging.escalation). Set once each.
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    handed_over_at = models.DateTimeField(null=True, blank=True, editable=False)

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


def variant_in(variants, language):
    """Of a message's `variants`, the one in `language`, else the first: what a reader of that
    language sees as its subject (a French officer of a Brussels BIN reads the French one)."""
    variants = list(variants)
    return next((v for v in variants if v.language == language), variants[0] if variants else None)


class DeliveryState(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    DEFERRED = "deferred", _("deferred")
    FAILED = "failed", _("failed")
    BOUNCED = "bounced", _("bounced")


class HoldReason(models.TextChoices):
    """Why a queued e-mail waits past the moment its message was queued (recipients.py)."""

    PAUSE = "pause", _("a pause with an end")
    QUIET_HOURS = "quiet_hours", _("quiet hours")


class Outcome(models.TextChoices):
    """What became of one e-mail, as a message's page and its stored totals count it: the
    delivery's state, except that a queued row held for a pause or quiet hours waits."""

    SENT = "sent", _("delivered")
    QUEUED = "queued", _("to be sent")
    SENDING = "sending", _("being sent")
    WAITING_QUIET_HOURS = "waiting_quiet_hours", _("waiting for quiet hours to end")
    WAITING_PAUSE = "waiting_pause", _("waiting for the end of a pause")
    DEFERRED = "deferred", _("waiting to try again after a temporary failure")
    FAILED = "failed", _("failed")
    BOUNCED = "bounced", _("bounced")


# A message in these states has gone to its members: services.queue_message wrote its
# deliveries, and its letters go out.
RELEASED_STATES = [MessageState.QUEUED, MessageState.SENDING, MessageState.SENT]

# Rows a worker may claim once their next_attempt_at has come.
WAITING_STATES = [DeliveryState.QUEUED, DeliveryState.DEFERRED]

# A delivery's token, as links and tagged addresses carry it. Since messaging migration 0010:
# the message's number and the row's place in its queue (eight hex digits each), then 32 random
# ones, so that the tokens of one queue follow each other in their unique index instead of
# landing all over it (docs/performance.md, national_queue_ratio). Before: 32 random digits;
# the e-mails sent with those keep working.
TOKEN_PATTERN = r"[0-9a-f]{32}(?:[0-9a-f]{16})?"  # noqa: S105 - a pattern, no secret


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
    # Set while a queued row waits for the end of a pause or of quiet hours: such a row leaves
    # its message free to be sent. Cleared when a worker claims the row.
    # (The database default serves the bulk inserts of nabuur/messaging/bulk.py.)
    held_for = models.CharField(
        _("waiting for"),
        max_length=12,
        choices=HoldReason.choices,
        blank=True,
        default="",
        db_default="",
    )
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # The Message-ID header, without angle brackets; stable across retries.
    message_id_header = models.CharField(max_length=200, unique=True)
    # The secret in the unsubscribe, preference and feedback links and the VERP address
    # (TOKEN_PATTERN; made by messaging/bulk.py).
    token = models.CharField(max_length=48, unique=True)

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
            # A message's totals and whether anything but held rows still waits.
            models.Index(fields=["message", "state", "held_for"], name="delivery_message_outcome"),
        ]

    def __str__(self):
        return f"delivery #{self.pk}"

    @property
    def language_list(self):
        return self.languages.split("+")


class Channel(models.TextChoices):
    """How a message reaches a person (nabuur/messaging/recipients.py decides which)."""

    EMAIL = "email", _("by e-mail")
    LETTER = "letter", _("by letter")


class SkipReason(models.TextChoices):
    """Why a member of a message's BINs does not receive it (see recipients.py)."""

    PAUSED = "paused", _("paused until they resume")
    SUSPENDED = "suspended", _("suspended")
    UNDELIVERABLE = "undeliverable", _("e-mail address undeliverable")
    OPTED_OUT = "opted_out", _("chose not to receive this class")


class SkippedRecipient(models.Model):
    """A member of the message's BINs whom it did not reach, and why.

    Written with the deliveries when the message is queued, so that what happened to each
    member is recorded as rows, like the e-mails themselves.
    """

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="skipped")
    # NULL once the person is erased; the row stays so the message's counts stay true.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=16, choices=SkipReason.choices)

    class Meta:
        verbose_name = _("skipped recipient")
        verbose_name_plural = _("skipped recipients")
        constraints = [
            models.UniqueConstraint(
                fields=["message", "user"],
                condition=Q(user__isnull=False),
                name="one_skip_per_person_and_message",
            )
        ]

    def __str__(self):
        return f"skipped recipient #{self.pk}"


class AuthorSide(models.TextChoices):
    """Who speaks in a message: the police (officer, zone) or a volunteer coordinator."""

    POLICE = "police", _("police")
    COORDINATOR = "coordinator", _("coordinator")


# The police zone's own text: police write feedback and crime-related messages, coordinators
# relay prevention, information and invitations. A BIN's plan may narrow or widen this.
DEFAULT_ALLOWED_KINDS = {
    AuthorSide.POLICE: [kind.value for kind in MessageKind],
    AuthorSide.COORDINATOR: [
        MessageKind.PREVENTION.value,
        MessageKind.INFORMATION.value,
        MessageKind.NEWSLETTER.value,
        MessageKind.INVITATION.value,
    ],
}
# Whatever a plan says, these classes stay police-only.
POLICE_ONLY_KINDS = {MessageKind.MISSING_PERSON}


class CommunicationPlan(models.Model):
    """One version of a BIN's communication plan: who may send what, and through whom.

    Versions are never edited: a change writes the next version, so a charter can name the
    version it was signed with. Without any row a BIN follows the defaults (version 0).
    """

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="communication_plans"
    )
    version = models.PositiveIntegerField(_("version"))
    police_direct_to_members = models.BooleanField(
        _("police messages go straight to members (with a copy to the coordinators)"),
        default=False,
    )
    coordinator_needs_approval = models.BooleanField(
        _("coordinators' messages need the officer's approval"), default=False
    )
    # Past twice the forwarding deadline the officer is told (nabuur.messaging.escalation);
    # this says whether they may then send the police message to the members themselves.
    officer_sends_overdue = models.BooleanField(
        _("the officer may send police messages not forwarded in time"),
        default=False,
    )
    # {"police": ["feedback", …], "coordinator": [...]}: the classes each side may send.
    allowed_kinds = models.JSONField(_("classes each role may send"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("communication plan")
        verbose_name_plural = _("communication plans")
        ordering = ["network", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["network", "version"], name="one_plan_per_version")
        ]

    def __str__(self):
        return f"plan {self.network_id} v{self.version}"

    def kinds_for(self, side):
        kinds = self.allowed_kinds.get(side, DEFAULT_ALLOWED_KINDS[AuthorSide(side)])
        if side != AuthorSide.POLICE:
            kinds = [kind for kind in kinds if kind not in POLICE_ONLY_KINDS]
        return kinds


class MessageEvent(models.Model):
    """One step of a message's trail: drafted, submitted, approved, forwarded, sent …"""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="events")
    state = models.CharField(_("state"), max_length=20, choices=MessageState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A rejection's or decline's reason, a forwarding note, an override's justification.
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("message event")
        verbose_name_plural = _("message events")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.message} {self.state}"


class Feedback(models.Model):
    """A recipient's answer to "Was this useful?" and an optional short comment."""

    delivery = models.OneToOneField(Delivery, on_delete=models.CASCADE, related_name="feedback")
    useful = models.BooleanField(_("useful"), null=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    # The comment reads like a report that belongs with the police: the officer is told.
    urgent = models.BooleanField(_("reads like an urgent report"), default=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")

    def __str__(self):
        return f"feedback #{self.pk}"


class Reply(models.Model):
    """A member's e-mail answer to a message, sent to `reply+<the delivery's token>@…`.

    Taken in by nabuur.messaging.replies; read only by the people the plan names for the
    member's BIN (reply_views). Deleted after the zone's `retention_replies_days`.
    """

    # Text beyond this is cut: a reply is a few lines, not an attachment store.
    TEXT_MAX_LENGTH = 5000

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="replies")
    # The member's BIN among the message's: its coordinators and officer read the reply.
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    received_at = models.DateTimeField(_("received"))
    # The reply's own Message-ID: the same e-mail taken in twice is kept once.
    message_id_header = models.CharField(max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    # Plain text, quoted history trimmed, at most TEXT_MAX_LENGTH characters.
    text = models.TextField(_("text"), blank=True)
    # The From is the address the message went to; only then is the reply ever answered.
    from_matches = models.BooleanField(_("sent from the member's address"), default=False)
    # An out-of-office notice or another robot's answer (RFC 3834): kept, never answered.
    automatic = models.BooleanField(_("automatic reply"), default=False)
    urgent = models.BooleanField(_("reads like an urgent report"), default=False)
    # This reply got the delivery's one automatic answer.
    answered = models.BooleanField(_("answered automatically"), default=False)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("read by"),
    )
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("handled by"),
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["-received_at", "-id"]
        constraints = [
            # Two robots answering each other stop here: one automatic answer per delivery.
            models.UniqueConstraint(
                fields=["delivery"], condition=Q(answered=True), name="one_answer_per_delivery"
            ),
            models.UniqueConstraint(
                fields=["delivery", "message_id_header"],
                condition=~Q(message_id_header=""),
                name="one_reply_per_email",
            ),
        ]
        indexes = [models.Index(fields=["received_at"], name="reply_retention")]

    def __str__(self):
        return f"reply #{self.pk}"
