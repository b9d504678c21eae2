"""Limits on sign-ups and login-link requests, per visitor and per address.

The counts live in the database (operations.RateCounter), so a limit holds for the whole site
whatever the number of processes and machines that serve it.
"""

import ipaddress

from django.conf import settings

from nabuur.operations.models import RateCounter


def allow(scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt for (scope, key); False once more than `limit` fall in the window."""
    if limit <= 0:
        return True
    return RateCounter.objects.hit(scope, key, window_seconds) <= limit


def client_ip(request) -> str:
    """The visitor's address, as a key for limits.

    Behind NABUUR_TRUSTED_PROXIES proxies of our own, it is the address the outermost one saw:
    the Nth entry of X-Forwarded-For from the right (each proxy appends the address it received
    the request from; entries further left are the visitor's own words). An IPv6 address stands
    for its /64 network, which one household or server holds whole.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.NABUUR_TRUSTED_PROXIES
    forwarded = request.headers.get("X-Forwarded-For", "").split(",")
    # Shorter than the count, or not an address (a misconfigured proxy count): as without one.
    candidates = (
        [forwarded[-proxies], remote] if proxies and len(forwarded) >= proxies else [remote]
    )
    for candidate in candidates:
        try:
            address = ipaddress.ip_address(candidate.strip())
        except ValueError:
            continue
        if address.version == 6:
            return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
        return str(address)
    return remote
