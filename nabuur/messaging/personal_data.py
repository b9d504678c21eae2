"""What composing keeps about a person: trail entries, plan versions, feedback, the messages
that skipped them, their e-mail replies.

Message and Delivery are registered in nabuur/privacy/personal_data.py for now.
"""

from nabuur.privacy.registry import register

from .models import CommunicationPlan, Feedback, MessageEvent, Reply, SkippedRecipient


def _export_events(user):
    rows = MessageEvent.objects.filter(actor=user).order_by("pk")
    return [
        {"message": row.message_id, "state": row.state, "at": row.created_at.isoformat()}
        for row in rows
    ]


def _export_plans(user):
    rows = CommunicationPlan.objects.filter(created_by=user).order_by("pk")
    return [{"network": row.network_id, "version": row.version} for row in rows]


def _export_feedback(user):
    rows = Feedback.objects.filter(delivery__user=user).order_by("pk")
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


def _erase_feedback(user):
    # The vote stays for the message's counts; the comment may describe the person, and the
    # urgent flag only says what the comment read like.
    Feedback.objects.filter(delivery__user=user).update(comment="", urgent=False)


def _export_skipped(user):
    rows = SkippedRecipient.objects.filter(user=user).order_by("pk")
    return [{"message": row.message_id, "reason": row.reason} for row in rows]


def _erase_skipped(user):
    # The row stays for the message's counts; why this person was skipped (a suspension, an
    # undeliverable address) no longer points at them.
    SkippedRecipient.objects.filter(user=user).update(user=None)


def _export_replies(user):
    rows = Reply.objects.filter(delivery__user=user).select_related("delivery").order_by("pk")
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


def _erase_replies(user):
    # A reply is the person's own words and counts nothing: it goes. (Staff who read or handled
    # replies stay named there as the anonymised person row.)
    Reply.objects.filter(delivery__user=user).delete()


# The trail and plan versions keep their rows (the message log and the charter refer to them);
# the actor becomes the anonymised person row.
register("messaging.MessageEvent", export=_export_events, erase=lambda user: None)
register("messaging.CommunicationPlan", export=_export_plans, erase=lambda user: None)
register("messaging.Feedback", export=_export_feedback, erase=_erase_feedback)
register("messaging.SkippedRecipient", export=_export_skipped, erase=_erase_skipped)
register("messaging.Reply", export=_export_replies, erase=_erase_replies)
