"""Health and metrics for load balancers, monitoring and Prometheus. No personal data."""

import hmac

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from . import health as checks
from . import metrics as figures


@never_cache
def health(request):
    """The install's health: 200 when the database answers and a worker beat in the last
    300 s, else 503; the body says which, with the outbox's state."""
    document, healthy = checks.report()
    return quietly(JsonResponse(document, status=200 if healthy else 503))


@never_cache
def health_live(request):
    """Does this web process reach its database? For the proxy in front of each web node: a
    stopped worker must not take every web node out of service."""
    healthy = checks.database_answers()
    return quietly(JsonResponse({"ok": healthy}, status=200 if healthy else 503))


def quietly(response):
    """Keep Django from logging an unhealthy answer as a server error: the monitor polls every
    few seconds and alerts on the 503 itself, so an ERROR line per poll only buries the log
    lines that explain the cause (django.utils.log.log_response skips a logged response)."""
    response._has_been_logged = True
    return response


@never_cache
def metrics(request):
    """The Prometheus figures, for whoever holds NABUUR_METRICS_TOKEN; without it, no page."""
    token = settings.NABUUR_METRICS_TOKEN
    if not token:
        raise Http404
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    # compare_digest: the time taken says nothing about how much of a guess was right.
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), token.encode()
    ):
        response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(figures.render(), content_type="text/plain; version=0.0.4; charset=utf-8")
