from datetime import timedelta

from nabuur.operations.jobs import periodic

from .delivery import deliver_due


# Every round of the worker: the outbox is the one job that must never wait for a period.
@periodic("messaging.deliver", every=timedelta(0))
def deliver(now):
    return deliver_due()


# Composing registers its scheduled-message job here (autodiscovery imports only `jobs`).
from . import jobs_compose  # noqa: E402, F401
