"""`GET /metrics` in the Prometheus text format (version 0.0.4), written by hand.

Apps register their figures in their own `metrics.py`, as they register stats sections:

    from nabuur.operations.metrics import metric

    @metric("nabuur_deliveries", "gauge", "E-mails in the outbox by state.", labels=("state",))
    def deliveries():
        return {("queued",): 3, ("sent",): 120}   # or a plain number without labels

Each figure is a count read from the database, so every web process answers the same and a
restart loses nothing; a figure must cost one query.

The request-duration histogram is the one figure a request produces itself. Each process adds
its requests to a histogram in memory and, at most every FLUSH_EVERY seconds, adds it to the
`RequestDuration` rows in one statement: a scrape that reaches any gunicorn process of any
machine then reads the sum of them all (an in-memory histogram would show one process's share,
a different one at each scrape), and a request costs no write of its own. What a process saw
in its last FLUSH_EVERY seconds is lost when it is killed.
"""

import bisect
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils.module_loading import autodiscover_modules

from nabuur.lib import clock

from . import health
from .models import RequestDuration

logger = logging.getLogger(__name__)

# Prometheus's default buckets, in seconds.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BUCKET_NAMES = (*(format(bound, "g") for bound in BUCKETS), "+Inf")
FLUSH_EVERY = 10


@dataclass(frozen=True)
class Metric:
    name: str
    kind: str
    help: str
    labels: tuple[str, ...]
    read: Callable[[], object]


_metrics: dict[str, Metric] = {}


def metric(name, kind, help, labels=()):  # noqa: A002 - Prometheus's own word
    def register(func):
        _metrics[name] = Metric(name=name, kind=kind, help=help, labels=tuple(labels), read=func)
        return func

    return register


# The histogram of this process since its last flush: bucket name → [requests, seconds].
_pending: dict[str, list] = {}
_pending_lock = threading.Lock()
_last_flush = time.monotonic()


def observe(seconds):
    """Count one request that took `seconds`."""
    name = BUCKET_NAMES[bisect.bisect_left(BUCKETS, seconds)]
    with _pending_lock:
        bucket = _pending.setdefault(name, [0, 0.0])
        bucket[0] += 1
        bucket[1] += seconds


def flush(*, force=False):
    """Add this process's pending histogram to the database's; keep it when that fails."""
    global _last_flush
    with _pending_lock:
        if not _pending or (not force and time.monotonic() - _last_flush < FLUSH_EVERY):
            return
        taken = dict(_pending)
        _pending.clear()
        _last_flush = time.monotonic()
    try:
        with transaction.atomic():
            _add_to_database(taken)
    except Exception:  # noqa: BLE001 - whatever it is, the request that flushed must not fail
        # A slow or missing database (or a test without one) keeps the figures for next time.
        logger.warning("request durations not stored; kept for the next attempt", exc_info=True)
        with _pending_lock:
            for name, (count, seconds) in taken.items():
                bucket = _pending.setdefault(name, [0, 0.0])
                bucket[0] += count
                bucket[1] += seconds


def _add_to_database(buckets):
    # One statement for all buckets, atomic whatever the number of processes adding at once.
    table = connection.ops.quote_name(RequestDuration._meta.db_table)
    rows = ", ".join(["(%s, %s, %s)"] * len(buckets))
    params = [
        value for name, (count, seconds) in buckets.items() for value in (name, count, seconds)
    ]
    # The table name is ours; every value is a parameter.
    sql = f"""
        INSERT INTO {table} (le, count, sum_seconds) VALUES {rows}
        ON CONFLICT (le) DO UPDATE SET
            count = {table}.count + excluded.count,
            sum_seconds = {table}.sum_seconds + excluded.sum_seconds
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _number(value):
    if isinstance(value, float):
        if math.isinf(value):
            return "+Inf" if value > 0 else "-Inf"
        return repr(value)
    return str(value)


def _escape_label(value):
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _family(name, kind, help_text):
    return [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]


def _sample(name, labels, value):
    if labels:
        pairs = ",".join(f'{key}="{_escape_label(val)}"' for key, val in labels.items())
        return f"{name}{{{pairs}}} {_number(value)}"
    return f"{name} {_number(value)}"


def render():
    """The whole /metrics page: the registered figures, the worker and the histogram."""
    autodiscover_modules("metrics")
    now = clock.now()
    lines = []
    for item in sorted(_metrics.values(), key=lambda item: item.name):
        lines += _family(item.name, item.kind, item.help)
        values = item.read()
        if not item.labels:
            lines.append(_sample(item.name, {}, values))
            continue
        for key, value in sorted(values.items()):
            lines.append(_sample(item.name, dict(zip(item.labels, key, strict=True)), value))

    _, oldest_age = health.outbox_state(now)
    lines += _family(
        "nabuur_queue_oldest_due_seconds",
        "gauge",
        "Seconds the oldest e-mail due for sending has waited (0 when none is due).",
    )
    lines.append(_sample("nabuur_queue_oldest_due_seconds", {}, oldest_age))

    age = health.heartbeat_age(now)
    lines += _family(
        "nabuur_worker_heartbeat_age_seconds",
        "gauge",
        "Seconds since the freshest heartbeat of any nabuur worker (+Inf: none ever).",
    )
    lines.append(
        _sample("nabuur_worker_heartbeat_age_seconds", {}, math.inf if age is None else age)
    )

    lines += _histogram()
    return "\n".join(lines) + "\n"


def _histogram():
    name = "nabuur_http_request_duration_seconds"
    flush(force=True)
    stored = {row.le: row for row in RequestDuration.objects.all()}
    lines = _family(
        name,
        "histogram",
        "Time from the first middleware to the response, summed over every web process "
        "(stored in the database every few seconds; /healthz and /metrics not counted).",
    )
    cumulative, total_seconds = 0, 0.0
    for bucket in BUCKET_NAMES:
        row = stored.get(bucket)
        if row is not None:
            cumulative += row.count
            total_seconds += row.sum_seconds
        lines.append(_sample(f"{name}_bucket", {"le": bucket}, cumulative))
    lines.append(_sample(f"{name}_sum", {}, total_seconds))
    lines.append(_sample(f"{name}_count", {}, cumulative))
    return lines
