from datetime import timedelta

from nabuur.operations.jobs import periodic

from .compose import queue_due


# Scheduled messages go out within a minute of their time.
@periodic("messaging.queue_scheduled", every=timedelta(minutes=1))
def queue_scheduled(now):
    return queue_due(now)
