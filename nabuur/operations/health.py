"""Is this install working? The worker's heartbeat and the state of the outbox, for `/healthz`.

`nabuur worker` calls `beat()` every round; it writes at most every `BEAT_EVERY` seconds. The
health check reads the freshest heartbeat of all workers: none in `STALE_AFTER` seconds (or
none ever) means nobody sends e-mail or runs the jobs.

The outbox belongs to messaging, which registers how to read it (`messaging/metrics.py`):

    from nabuur.operations.health import outbox

    @outbox
    def due_deliveries(now):
        return {"due": …, "oldest_due_at": … or None}
"""

import os
import socket
import time
from collections.abc import Callable

from django.db import DatabaseError, connection
from django.db.models import Max
from django.utils.module_loading import autodiscover_modules

from nabuur.lib import clock

from .models import WorkerHeartbeat

BEAT_EVERY = 15
STALE_AFTER = 300

_outbox: dict[str, Callable] = {}
_last_beat: float | None = None


def outbox(func):
    _outbox[f"{func.__module__}.{func.__qualname__}"] = func
    return func


def beat(*, force=False):
    """Record that this worker process is alive, unless it did less than BEAT_EVERY s ago."""
    global _last_beat
    if not force and _last_beat is not None and time.monotonic() - _last_beat < BEAT_EVERY:
        return
    now = clock.now()
    WorkerHeartbeat.objects.update_or_create(
        host=socket.gethostname()[:255],
        pid=os.getpid(),
        defaults={"last_seen": now},
        create_defaults={"started_at": now, "last_seen": now},
    )
    _last_beat = time.monotonic()


def seconds_since(moment, now):
    # Another machine's clock may run a little ahead: an age is never negative.
    return max(0, int((now - moment).total_seconds()))


def heartbeat_age(now):
    """Seconds since the freshest worker heartbeat, or None when no worker ever beat."""
    last_seen = WorkerHeartbeat.objects.aggregate(last=Max("last_seen"))["last"]
    return None if last_seen is None else seconds_since(last_seen, now)


def outbox_state(now):
    """(e-mails due now, seconds the oldest of them has waited; 0 when none is due)."""
    autodiscover_modules("metrics")
    due, oldest_age = 0, 0
    for read in _outbox.values():
        state = read(now)
        due += state["due"]
        if state["oldest_due_at"] is not None:
            oldest_age = max(oldest_age, seconds_since(state["oldest_due_at"], now))
    return due, oldest_age


def database_answers():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False
    return True


def report():
    """(the /healthz document, healthy?). Two queries; no personal data.

    Unhealthy: the database does not answer, or no worker has beaten in STALE_AFTER seconds.
    """
    now = clock.now()
    document = {
        "ok": False,
        "database": False,
        "worker_heartbeat_age_s": None,
        "deliveries_due": None,
        "oldest_due_age_s": None,
    }
    try:
        age = heartbeat_age(now)
        due, oldest_age = outbox_state(now)
    except DatabaseError:
        return document, False
    healthy = age is not None and age <= STALE_AFTER
    document.update(
        ok=healthy,
        database=True,
        worker_heartbeat_age_s=age,
        deliveries_due=due,
        oldest_due_age_s=oldest_age,
    )
    return document, healthy
