"""What composing keeps about a person: trail entries, plan versions, feedback, the messages
that skipped them, their e-mail replies.

Message and Delivery are registered in nabuur/privacy/personal_data.py for now.
"""

from nabuur.privacy.registry import in_zone, move_rows, register, register_zone_rows

from .models import (
    CommunicationPlan,
    Feedback,
    Message,
    MessageEvent,
    Reply,
    SkippedRecipient,
)

# A message lies in the zone of the BINs it was written for.
MESSAGE_ZONE = "message__targets__municipality__zone"
DELIVERY_ZONE = f"delivery__{MESSAGE_ZONE}"
NETWORK_ZONE = "network__municipality__zone"


def _export_events(user, zone=None):
    rows = in_zone(MessageEvent.objects.filter(actor=user), MESSAGE_ZONE, zone).order_by("pk")
    return [
        {"message": row.message_id, "state": row.state, "at": row.created_at.isoformat()}
        for row in rows
    ]


def _export_plans(user, zone=None):
    rows = in_zone(CommunicationPlan.objects.filter(created_by=user), NETWORK_ZONE, zone)
    rows = rows.order_by("pk")
    return [{"network": row.network_id, "version": row.version} for row in rows]


def _feedback(user, zone):
    return in_zone(Feedback.objects.filter(delivery__user=user), DELIVERY_ZONE, zone)


def _export_feedback(user, zone=None):
    rows = _feedback(user, zone).order_by("pk")
    return [
        {
            "message": row.delivery.message_id,
            "useful": row.useful,
            "comment": row.comment,
            "urgent": row.urgent,
            "updated": row.updated_at.isoformat(),
        }
        for row in rows.select_related("delivery")
    ]


def _erase_feedback(user, zone=None):
    # The vote stays for the message's counts; the comment may describe the person, and the
    # urgent flag only says what the comment read like.
    _feedback(user, zone).update(comment="", urgent=False)


def _skipped(user, zone):
    return in_zone(SkippedRecipient.objects.filter(user=user), MESSAGE_ZONE, zone)


def _export_skipped(user, zone=None):
    rows = _skipped(user, zone).order_by("pk")
    return [{"message": row.message_id, "reason": row.reason} for row in rows]


def _erase_skipped(user, zone=None):
    # The row stays for the message's counts; why this person was skipped (a suspension, an
    # undeliverable address) no longer points at them.
    _skipped(user, zone).update(user=None)


def _replies(user, zone):
    rows = Reply.objects.filter(delivery__user=user)
    return rows if zone is None else rows.filter(**{NETWORK_ZONE: zone})


def _export_replies(user, zone=None):
    rows = _replies(user, zone).select_related("delivery").order_by("pk")
    return [
        {
            "message": row.delivery.message_id,
            "received": row.received_at.isoformat(),
            "subject": row.subject,
            "text": row.text,
            "automatic": row.automatic,
            "urgent": row.urgent,
            "answered": row.answered,
            "handled": row.handled_at.isoformat() if row.handled_at else None,
        }
        for row in rows
    ]


def _erase_replies(user, zone=None):
    # A reply is the person's own words and counts nothing: it goes. (Staff who read or handled
    # replies stay named there as the anonymised person row, or the zone's stand-in.)
    _replies(user, zone).delete()


def _keep(user, zone=None):
    return None


# The trail and plan versions keep their rows (the message log and the charter refer to them);
# the actor becomes the anonymised person row (the stand-in, for one zone's erasure).
register(
    "messaging.MessageEvent",
    export=_export_events,
    erase=_keep,
    hand_over=move_rows(MessageEvent, MESSAGE_ZONE, "actor"),
)
register(
    "messaging.CommunicationPlan",
    export=_export_plans,
    erase=_keep,
    hand_over=move_rows(CommunicationPlan, NETWORK_ZONE, "created_by"),
)
register("messaging.Feedback", export=_export_feedback, erase=_erase_feedback)
register("messaging.SkippedRecipient", export=_export_skipped, erase=_erase_skipped)
register(
    "messaging.Reply",
    export=_export_replies,
    erase=_erase_replies,
    hand_over=move_rows(Reply, NETWORK_ZONE, "read_by", "handled_by"),
)


# A message reaches its BINs through a many-to-many: ending the BINs would leave it behind.
register_zone_rows(
    "messaging.Message",
    lambda zone: Message.objects.filter(
        pk__in=Message.objects.filter(targets__municipality__zone=zone).values("pk")
    ),
)
