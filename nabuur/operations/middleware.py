"""Every request's id, duration and log line (operations.logs, operations.metrics)."""

import logging
import re
import time
import uuid

from django.conf import settings

from . import logs, metrics

logger = logging.getLogger("nabuur.request")

# An id the proxy gave the request (nginx's $request_id) is kept, so its log and ours meet;
# anything else a client sends is replaced, so no one writes into our logs through it.
_GIVEN_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# Load balancers and Prometheus ask these every few seconds; they would drown the pages.
_NOT_MEASURED = ("/healthz", "/metrics")


def observe_requests(get_response):
    def middleware(request):
        started = time.perf_counter()
        given = request.headers.get("X-Request-ID", "")
        request.request_id = given if _GIVEN_ID.fullmatch(given) else uuid.uuid4().hex
        token = logs.request_id.set(request.request_id)
        try:
            response = get_response(request)
            seconds = time.perf_counter() - started
            response["X-Request-ID"] = request.request_id
            # Without a token there is no /metrics page to show the histogram: nothing to keep.
            if settings.NABUUR_METRICS_TOKEN and not request.path.startswith(_NOT_MEASURED):
                metrics.observe(seconds)
                metrics.flush()
            path = logs.safe_path(request)
            logger.info(
                "%s %s %s",
                request.method,
                path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": path,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 1),
                },
            )
            return response
        finally:
            logs.request_id.reset(token)

    return middleware
