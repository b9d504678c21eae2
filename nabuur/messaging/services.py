"""Verbs of messaging: queue a message for delivery, unsubscribe a recipient."""

import datetime

from django.conf import settings
from django.db import transaction

from nabuur.members.models import Membership, MembershipStatus
from nabuur.members.services import leave_membership

from .bulk import freeze_recipients
from .models import Message, MessageState

# Rows per INSERT: large enough to amortise round trips, small enough for SQLite's variable cap.
QUEUE_BATCH_SIZE = 5000
DELIVERY_COLUMNS = (
    "message_id",
    "user_id",
    "email",
    "languages",
    "state",
    "attempts",
    "next_attempt_at",
    "held_for",
    "claimed_by",
    "last_error",
    "message_id_header",
    "token",
)


class NotQueueable(Exception):
    pass


def message_id_domain():
    """The domain of the From address, used in Message-IDs and VERP addresses."""
    address = settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].rstrip(">").strip()
    return address.rsplit("@", 1)[-1] or "localhost"


def queue_message(message: Message, *, now: datetime.datetime) -> int:
    """Freeze the message's recipients into rows and mark it queued.

    `recipients.decide` says who gets it: each person it reaches by e-mail gets one Delivery
    row (waiting until a pause or the person's quiet hours end), each person it skips one
    SkippedRecipient row with the reason. Everything happens in one transaction: either all
    rows and the new state exist, or nothing changed. Returns the number of deliveries.
    """
    domain = message_id_domain()
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if locked.state in {MessageState.QUEUED, MessageState.SENDING, MessageState.SENT}:
            raise NotQueueable(f"{message} is already {locked.state}.")
        if locked.state == MessageState.CANCELLED:
            raise NotQueueable(f"{message} was cancelled.")
        count = freeze_recipients(
            message,
            now,
            prefix=f"nabuur.{message.pk}.",
            domain=domain,
            columns=DELIVERY_COLUMNS,
            batch_size=QUEUE_BATCH_SIZE,
        )
        message.state = MessageState.QUEUED
        message.queued_at = now
        message.save(update_fields=["state", "queued_at"])
    return count


def unsubscribe(delivery, *, via=None):
    """The recipient of `delivery` leaves the BINs that message went to (RFC 8058 one-click).

    Unsubscribing from a BIN's e-mail is leaving that BIN: its e-mail is what membership is
    for, and the coordinators who keep the member list are told. Returns how many memberships
    ended; 0 when already gone (the link stays harmless when used twice). `via` says how the
    member asked (members.services.LEFT_BY_LINK or LEFT_BY_EMAIL), for the audit entry; a
    caller that audits the unsubscription itself passes none.
    """
    if delivery.user_id is None:
        return 0
    memberships = Membership.objects.filter(
        user_id=delivery.user_id,
        network__in=delivery.message.targets.all(),
        status__in=[MembershipStatus.ACTIVE, MembershipStatus.PAUSED, MembershipStatus.PENDING],
    )
    return sum(1 for membership in memberships if leave_membership(membership, via=via))
