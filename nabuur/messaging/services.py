"""Verbs of messaging: queue a message for delivery, unsubscribe a recipient."""

import datetime
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from nabuur.lib.languages import languages_for_person
from nabuur.members.models import Membership, MembershipStatus

from .bulk import adapt_datetime, insert_rows
from .models import Delivery, DeliveryState, Message, MessageState

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


def _end_of_pause(paused_until):
    """The first moment after a pause: local midnight after its last day."""
    day_after = paused_until + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day_after, datetime.time.min))


def _recipients(message, now):
    """(user_id, email, languages, not_before) per person, once even if in several targets."""
    today = timezone.localdate(now)
    rows = (
        Membership.objects.filter(
            network__in=message.targets.all(),
            status__in=[MembershipStatus.ACTIVE, MembershipStatus.PAUSED],
            user__email__isnull=False,
            user__is_active=True,
        )
        .exclude(suspended_until__gte=today)
        .order_by("user_id", "network_id")
        .values_list(
            "user_id",
            "user__email",
            "user__language",
            "network__municipality__language_regime",
            "status",
            "paused_until",
        )
    )
    ignores_pauses = message.ignores_pauses
    seen = set()
    for user_id, email, language, regime, status, paused_until in rows.iterator(chunk_size=5000):
        if user_id in seen:
            continue
        seen.add(user_id)
        not_before = now
        paused = paused_until is not None and paused_until >= today
        if status == MembershipStatus.PAUSED and paused_until is None and not ignores_pauses:
            # An open-ended pause: the member asked for no e-mail until they resume.
            continue
        if paused and not ignores_pauses:
            not_before = _end_of_pause(paused_until)
        yield user_id, email, "+".join(languages_for_person(regime, language)), not_before


def queue_message(message: Message, *, now: datetime.datetime) -> int:
    """Freeze the message's recipients into one Delivery row each and mark it queued.

    Recipients are the active members (not suspended, with an e-mail address) of the target
    BINs, one row per person even when they belong to several targets, in the language(s) their
    municipality's regime gives them. A paused member's row waits until the pause ends, except
    for notices that ignore pauses. Everything happens in one transaction: either all rows and
    the new state exist, or nothing changed. Returns the number of deliveries.
    """
    domain = message_id_domain()
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if locked.state in {MessageState.QUEUED, MessageState.SENDING, MessageState.SENT}:
            raise NotQueueable(f"{message} is already {locked.state}.")
        if locked.state == MessageState.CANCELLED:
            raise NotQueueable(f"{message} was cancelled.")
        prefix = f"nabuur.{message.pk}."
        adapted = {}

        # Read every recipient before writing: PostgreSQL's COPY holds the connection.
        recipients = list(_recipients(message, now))

        def rows():
            for user_id, email, languages, not_before in recipients:
                if not_before not in adapted:
                    adapted[not_before] = adapt_datetime(not_before)
                yield (
                    message.pk,
                    user_id,
                    email,
                    languages,
                    DeliveryState.QUEUED.value,
                    0,
                    adapted[not_before],
                    "",
                    "",
                    f"{prefix}{secrets.token_hex(8)}@{domain}",
                    secrets.token_hex(16),
                )

        count = insert_rows(Delivery, DELIVERY_COLUMNS, rows(), batch_size=QUEUE_BATCH_SIZE)
        message.state = MessageState.QUEUED
        message.queued_at = now
        message.save(update_fields=["state", "queued_at"])
    return count


def unsubscribe(delivery):
    """The recipient of `delivery` leaves the BINs that message went to (RFC 8058 one-click).

    Unsubscribing from a BIN's e-mail is leaving that BIN: its e-mail is what membership is
    for, and the coordinators who keep the member list are told. Returns how many memberships
    ended; 0 when already gone (the link stays harmless when used twice).
    """
    from nabuur.members.services import leave_membership

    if delivery.user_id is None:
        return 0
    memberships = Membership.objects.filter(
        user_id=delivery.user_id,
        network__in=delivery.message.targets.all(),
        status__in=[MembershipStatus.ACTIVE, MembershipStatus.PAUSED, MembershipStatus.PENDING],
    )
    return sum(1 for membership in memberships if leave_membership(membership))
