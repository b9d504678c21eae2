"""Small fixed-window counters in the cache, against sign-up and login-link floods.

The default cache is local memory (per process); a deployment with several processes that wants
exact limits configures a shared cache. An approximate limit is enough to stop a script.
"""

import hashlib

from django.core.cache import cache

from nabuur.lib import clock


def allow(scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt for (scope, key); False once more than `limit` fall in the window."""
    if limit <= 0:
        return True
    window = int(clock.now().timestamp()) // window_seconds
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"nabuur:rate:{scope}:{window}:{digest}"
    if cache.add(cache_key, 1, timeout=window_seconds + 60):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:
        # The entry expired between add and incr: start a new count.
        cache.set(cache_key, 1, timeout=window_seconds + 60)
        count = 1
    return count <= limit


def client_ip(request) -> str:
    # REMOTE_ADDR only: a proxy's X-Forwarded-For is trusted by the proxy's own configuration.
    return request.META.get("REMOTE_ADDR", "")
