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
