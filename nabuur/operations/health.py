"""Is this install working? The worker's heartbeat and the state of the outbox, for `/healthz`.

`nabuur worker` calls `beat()` every round; it writes at most every `BEAT_EVERY` seconds. The
health check reads the freshest heartbeat of all workers: none in `STALE_AFTER` seconds (or
none ever) means nobody sends e-mail or runs the jobs.

The outbox belongs to messaging, which registers how to read it (`messaging/metrics.py`):

    from nabuur.operations.health import outbox

    @outbox
    def due_deliveries(now):
        return {"due": …, "oldest_due_at": … or None}

Apps that can fail for good (an e-mail that bounced) register a counter with `@failures`:
`func()` returns [(words for the zone administrator, number), …]. The staff dashboard shows
these with the worker and the outbox to zone administrators (`overview`).
"""

import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import DatabaseError, connection
from django.db.models import Max
from django.utils.module_loading import autodiscover_modules

from nabuur.lib import clock

from .models import JobRun, WorkerHeartbeat

BEAT_EVERY = 15
STALE_AFTER = 300

_outbox: dict[str, Callable] = {}
_failures: dict[str, Callable] = {}
_last_beat: float | None = None


def outbox(func):
    _outbox[f"{func.__module__}.{func.__qualname__}"] = func
    return func


def failures(func):
    _failures[f"{func.__module__}.{func.__qualname__}"] = func
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


def _outbox_due(now):
    """(e-mails due now, the moment the oldest of them became due, or None)."""
    autodiscover_modules("metrics")
    due, oldest = 0, None
    for read in _outbox.values():
        state = read(now)
        due += state["due"]
        if state["oldest_due_at"] is not None:
            oldest = min(oldest or state["oldest_due_at"], state["oldest_due_at"])
    return due, oldest


def outbox_state(now):
    """(e-mails due now, seconds the oldest of them has waited; 0 when none is due)."""
    due, oldest = _outbox_due(now)
    return due, 0 if oldest is None else seconds_since(oldest, now)


@dataclass
class Overview:
    """The install's health in the zone administrator's words (see the staff dashboard)."""

    now: datetime
    last_heartbeat: datetime | None
    due: int
    oldest_due_at: datetime | None
    failures: list  # [(words, number)] from the apps' `@failures` counters
    failed_jobs: list  # JobRun rows whose last run ended in an error

    @property
    def worker_alive(self):
        return (
            self.last_heartbeat is not None
            and seconds_since(self.last_heartbeat, self.now) <= STALE_AFTER
        )

    @property
    def queue_late(self):
        # E-mails due for longer than a stopped worker takes to notice are stuck, not busy.
        return self.oldest_due_at is not None and (
            seconds_since(self.oldest_due_at, self.now) > STALE_AFTER
        )

    @property
    def healthy(self):
        return self.worker_alive and not self.queue_late and not self.failed_jobs


def overview(now=None):
    """What the health check knows, plus failures; a fixed number of queries (4 with messaging)."""
    now = now or clock.now()
    autodiscover_modules("metrics")
    due, oldest = _outbox_due(now)
    return Overview(
        now=now,
        last_heartbeat=WorkerHeartbeat.objects.aggregate(last=Max("last_seen"))["last"],
        due=due,
        oldest_due_at=oldest,
        failures=[pair for read in _failures.values() for pair in read()],
        failed_jobs=list(JobRun.objects.exclude(last_error="").order_by("name")),
    )


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
