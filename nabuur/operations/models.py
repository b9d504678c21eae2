from datetime import timedelta

from django.db import connections, models
from django.db.models import F
from django.utils.crypto import salted_hmac

from nabuur.lib import clock


class JobRun(models.Model):
    """When each periodic job last ran, so several workers run a job once per period."""

    name = models.CharField(max_length=100, unique=True)
    last_started_at = models.DateTimeField(null=True)
    last_finished_at = models.DateTimeField(null=True)
    last_error = models.TextField(blank=True)

    def __str__(self):
        return self.name


class RateCounterManager(models.Manager):
    def hit(self, scope: str, key: str, window_seconds: int) -> int:
        """Count one attempt of `scope` (e.g. "join-ip") by `key`; return the attempts in its
        window, this one included.

        The window starts with the first attempt and lasts `window_seconds`. The count is one
        statement (INSERT … ON CONFLICT … DO UPDATE … RETURNING, on SQLite ≥ 3.35 and
        PostgreSQL), so concurrent attempts in any number of processes and machines each get
        their own number: a limit of N lets exactly N through. Django's cache cannot promise
        that (its `incr` reads, then writes).
        """
        now = clock.now()
        connection = connections[self.db]
        table = connection.ops.quote_name(self.model._meta.db_table)
        adapt = connection.ops.adapt_datetimefield_value
        # The table name is ours; every value is a parameter.
        sql = f"""
            INSERT INTO {table} (scope, key_digest, hits, expires_at) VALUES (%s, %s, 1, %s)
            ON CONFLICT (scope, key_digest) DO UPDATE SET
                hits = CASE WHEN {table}.expires_at <= %s THEN 1 ELSE {table}.hits + 1 END,
                expires_at = CASE WHEN {table}.expires_at <= %s
                    THEN excluded.expires_at ELSE {table}.expires_at END
            RETURNING hits
        """  # noqa: S608
        params = [
            scope,
            key_digest(key),
            adapt(now + timedelta(seconds=window_seconds)),
            adapt(now),
            adapt(now),
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def seconds_left(self, scope: str, key: str) -> float | None:
        """How long until `key`'s window of `scope` ends and its attempts count from zero
        again (for a 429's "wait N minutes"); None without a current window."""
        now = clock.now()
        expires_at = (
            self.filter(scope=scope, key_digest=key_digest(key), expires_at__gt=now)
            .values_list("expires_at", flat=True)
            .first()
        )
        return (expires_at - now).total_seconds() if expires_at else None

    def give_back(self, scope: str, key: str) -> None:
        """Take back one attempt that turned out to be no abuse (the right password)."""
        self.filter(
            scope=scope, key_digest=key_digest(key), hits__gt=0, expires_at__gt=clock.now()
        ).update(hits=F("hits") - 1)

    def delete_expired(self, now) -> int:
        deleted, _ = self.filter(expires_at__lte=now).delete()
        return deleted


def key_digest(key: str) -> str:
    # Keys are e-mail and IP addresses: only a keyed digest of them is stored.
    return salted_hmac("nabuur.operations.RateCounter", key, algorithm="sha256").hexdigest()


class RateCounter(models.Model):
    """Attempts of one kind by one client (an IP or e-mail address) in the current window,
    shared by every process: sign-ups, login-link requests, password checks."""

    scope = models.CharField(max_length=50)
    key_digest = models.CharField(max_length=64)
    hits = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)

    objects = RateCounterManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key_digest"], name="operations_ratecounter_scope_key"
            )
        ]

    def __str__(self):
        return f"{self.scope}: {self.hits}"


class WorkerHeartbeat(models.Model):
    """The last sign of life of one `nabuur worker` process, for `GET /healthz` and /metrics.

    One row per process (host and pid), so two workers on two machines do not overwrite each
    other's heartbeat; the health check reads the freshest. Rows of stopped processes are
    deleted after a day (operations.jobs).
    """

    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["host", "pid"], name="operations_heartbeat_process")
        ]

    def __str__(self):
        return f"worker {self.host}:{self.pid}"


class RequestDuration(models.Model):
    """One bucket of the request-duration histogram of /metrics, summed over every web process.

    `le` is the bucket's upper bound as Prometheus writes it ("0.005", …, "+Inf"); `count`
    counts the requests that fell in this bucket only (the page adds them up), `sum_seconds`
    their time. Each process adds what it saw every few seconds (operations.metrics).
    """

    le = models.CharField(max_length=16, unique=True)
    count = models.BigIntegerField(default=0)
    sum_seconds = models.FloatField(default=0.0)

    def __str__(self):
        return f"≤ {self.le} s: {self.count}"
