"""Error pages in the site's layout and the page's language, with the emergency notice.

The pages that know no app live here, so that any app may answer with them (a rate limit's 429
from `members`); the 403 pages, which ask who the person is, live in `public.errors`.
nabuur/urls.py names the handlers.
"""

import math

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils import translation


def page_language(request):
    """The language of the URL's prefix; else the one LocaleMiddleware chose; else Dutch.

    An error can happen before LocaleMiddleware ran, so the prefix is read again here.
    """
    return (
        translation.get_language_from_path(request.path_info)
        or getattr(request, "LANGUAGE_CODE", None)
        or settings.LANGUAGE_CODE
    )


def render_error(request, template, status, context=None):
    """An error page with the full request context (the zone's numbers in the notice, the
    language switcher), in the page's language."""
    # The request may have failed before authentication ran (a NUL character is refused
    # earlier): the layout asks who is logged in, and nobody is known yet.
    if not hasattr(request, "user"):
        request.user = AnonymousUser()
    language = page_language(request)
    with translation.override(language):
        response = render(request, template, context, status=status)
    response.headers["Content-Language"] = language
    return response


def bad_request(request, exception):
    return render_error(request, "400.html", 400)


def page_not_found(request, exception):
    return render_error(request, "404.html", 404)


def too_many_requests(request, retry_after=None):
    """429, with how long to wait when the limit knows it (`retry_after`, in seconds)."""
    minutes = math.ceil(retry_after / 60) if retry_after else None
    response = render_error(request, "429.html", 429, {"wait_minutes": minutes})
    if retry_after:
        response.headers["Retry-After"] = str(math.ceil(retry_after))
    return response


def server_error(request):
    """500, without the database: no context processor runs (they query the zone and the
    person), so the page renders when the database is what failed. The notice shows the
    national numbers."""
    language = page_language(request)
    with translation.override(language):
        body = loader.get_template("500.html").render()
    response = HttpResponse(body, status=500)
    response.headers["Content-Language"] = language
    return response
