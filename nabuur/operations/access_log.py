"""gunicorn's access log without the secrets that travel in addresses.

Confirmation, login and unsubscribe links carry their token in the path, and a referring page
may too. gunicorn writes the raw request line; this logger writes the URL pattern the path
matches (`/nl/join/confirm/<str:token>/`), as the JSON request logs do (operations.logs), and
never a query string. gunicorn.conf.py names it as `logger_class`.
"""

from urllib.parse import urlsplit

from gunicorn.glogging import Logger


def pattern_of(path):
    """The URL pattern `path` resolves to, or `path` itself when it takes no arguments.

    A path that matches no pattern is written as "-": a mistyped token link would otherwise
    put its token in the log all the same.
    """
    from django.urls import Resolver404, resolve

    try:
        match = resolve(path)
    except Resolver404:
        return "-"
    if match.route is None:
        return "-"
    return "/" + match.route.lstrip("^").rstrip("$")


class AccessLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = pattern_of(environ.get("PATH_INFO", "/"))
        atoms["U"] = path
        atoms["q"] = "-"
        atoms["r"] = f"{environ['REQUEST_METHOD']} {path} {environ['SERVER_PROTOCOL']}"
        referrer = environ.get("HTTP_REFERER")
        if referrer:
            # Only where the visitor came from, never which page: it may be a token link.
            parts = urlsplit(referrer)
            atoms["f"] = f"{parts.scheme}://{parts.netloc}" if parts.netloc else "-"
        # Headers and environment variables repeat the raw address (RAW_URI, the Referer).
        return {
            key: value
            for key, value in atoms.items()
            if not (key.startswith("{") and key.endswith(("}i", "}e")))
        }
