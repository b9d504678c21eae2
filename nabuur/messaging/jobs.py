from datetime import timedelta

from nabuur.operations.jobs import periodic

from . import escalation, replies
from .compose import queue_due
from .delivery import deliver_due


# Every round of the worker: the outbox is the one job that must never wait for a period.
@periodic("messaging.deliver", every=timedelta(0))
def deliver(now):
    return deliver_due()


# Scheduled messages go out within a minute of their time.
@periodic("messaging.queue_scheduled", every=timedelta(minutes=1))
def queue_scheduled(now):
    return queue_due(now)


# Replies are kept a few weeks (the zone's retention_replies_days); a day late is no harm.
@periodic("messaging.delete_old_replies", every=timedelta(hours=6))
def delete_old_replies(now):
    return replies.delete_old_replies(now)


# Police messages left waiting for their coordinators: a reminder, then the hand-over. The
# deadline is counted in hours (the zone's deadline_forward_hours): look every quarter hour.
@periodic("messaging.escalate", every=timedelta(minutes=15))
def escalate(now):
    return escalation.escalate_messages(now)
