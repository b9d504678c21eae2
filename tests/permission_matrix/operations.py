"""Health and metrics: the same answer for everyone, signed in or not; /metrics wants its token."""

from nabuur.operations.health import beat

PUBLIC = {"capability": "public", "object": None, "kwargs": {}}


def worker_alive(ctx):
    beat(force=True)


def metrics_token_set(ctx):
    ctx.settings.NABUUR_METRICS_TOKEN = "matrix-token"  # noqa: S105 - a test's token


ENTRIES = {
    "health": {**PUBLIC, "setup": worker_alive},
    "health_live": PUBLIC,
    # No session opens the figures: only the bearer token does (tests/test_metrics.py).
    "metrics": {**PUBLIC, "setup": metrics_token_set, "ok": (401,)},
}
