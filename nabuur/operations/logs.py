"""Log lines as JSON objects, one per line, for log collectors (NABUUR_LOG_FORMAT=json).

Each line holds `time` (UTC, ISO 8601), `level`, `logger` and `message`; lines written while a
request is answered add its `request_id`, and request logs (`nabuur.request`, Django's
`django.request`) add `method`, `path` and `status`. The path is the URL pattern the request
matched (`/nl/join/confirm/<str:token>/`), never the address itself: tokens of links travel in
paths, and a query string is never written. An exception is written as its type and its stack
(files, lines, functions), without its message or source lines, which may quote the data that
failed (a database error quotes the duplicate e-mail address).

Settings load this module before the apps: it imports no model.
"""

import contextvars
import json
import logging
import traceback
from datetime import UTC, datetime

# The id of the request being answered, for every line logged while it is.
request_id = contextvars.ContextVar("request_id", default=None)


def safe_path(request):
    """The request's URL pattern with its arguments' names, or its path when none matched."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.route is None:
        return request.path
    return "/" + match.route.lstrip("^").rstrip("$")


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = getattr(record, "request", None)
        # Django logs a 4xx or 5xx answer after the middleware is done: its request keeps the id.
        current = (
            getattr(record, "request_id", None)
            or getattr(request, "request_id", None)
            or request_id.get()
        )
        if current:
            entry["request_id"] = current
        if request is not None and hasattr(request, "path"):
            # Django's request logs name the raw path in their message ("Not Found: /nl/…").
            path = safe_path(request)
            entry["message"] = entry["message"].replace(request.path, path)
            entry["method"] = request.method
            entry["path"] = path
        for key in ("method", "path", "status", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if "status" not in entry and hasattr(record, "status_code"):
            entry["status"] = record.status_code
        if record.exc_info and record.exc_info[0] is not None:
            kind, _, trace = record.exc_info
            entry["exception"] = kind.__qualname__
            # Where it happened, without the source lines, which may hold a literal of data.
            entry["stack"] = "\n".join(
                f"{frame.filename}:{frame.lineno} in {frame.name}"
                for frame in traceback.extract_tb(trace)
            )
        return json.dumps(entry, ensure_ascii=False, default=str)
