"""Bearer tokens for the API's non-public endpoints, and the rate limit of every endpoint."""

from django.conf import settings
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle

from nabuur.members.ratelimit import allow, client_ip

from .errors import ApiError
from .models import ApiToken, digest

WINDOW_SECONDS = 60


class TokenAuth(HttpBearer):
    """The token of `Authorization: Bearer nbr_…`, if it exists and is not revoked."""

    def authenticate(self, request, token):
        found = (
            ApiToken.objects.filter(digest=digest(token)).prefetch_related("token_zones").first()
        )
        if found is None:
            return None
        if found.revoked_at is not None:
            raise ApiError(401, "token_revoked")
        return found


def require_scope(token, scope):
    if scope not in token.scopes:
        raise ApiError(403, "scope_missing")


class RateLimit(BaseThrottle):
    """At most NABUUR_API_LIMIT_PER_MINUTE requests a minute per client address, and
    NABUUR_API_TOKEN_LIMIT_PER_MINUTE per token, counted in operations.RateCounter so the limit
    holds across processes and machines."""

    def allow_request(self, request):
        token = getattr(request, "auth", None)
        if isinstance(token, ApiToken):
            return allow(
                "api-token",
                str(token.pk),
                settings.NABUUR_API_TOKEN_LIMIT_PER_MINUTE,
                WINDOW_SECONDS,
            )
        return allow(
            "api-ip", client_ip(request), settings.NABUUR_API_LIMIT_PER_MINUTE, WINDOW_SECONDS
        )

    def wait(self):
        # The window starts at a client's first request: a minute is the longest wait.
        return WINDOW_SECONDS
