"""The API's errors: a stable `code` for programs, a `message` for people in the language of the
request's Accept-Language header (nl, fr, de or en)."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation.trans_real import parse_accept_lang_header

from nabuur.lib.languages import STAFF_LANGUAGES

MESSAGES = {
    "missing_parameter": _("A required parameter is missing: %(name)s."),
    "invalid_parameter": _("This parameter has a value that cannot be used: %(name)s."),
    "not_found": _("Nothing was found at this address of the API."),
    "no_zone": _("This site serves no police zone yet."),
    "unauthorized": _("This needs a valid API token in the Authorization header (Bearer)."),
    "token_revoked": _("This API token was revoked."),
    "scope_missing": _("This API token does not allow this request."),
    "zone_not_covered": _("This API token does not cover the police zone of this address."),
    "rate_limited": _("Too many requests. Wait a minute before you try again."),
    "server_error": _("Something went wrong on our side. Try again later."),
}


class ApiError(Exception):
    """An answer other than 200, with one of the codes of MESSAGES."""

    def __init__(self, status, code, **params):
        super().__init__(code)
        self.status, self.code, self.params = status, code, params


def request_language(request):
    """The first language of Accept-Language that the API speaks; else the site's default.

    Not the language cookie: another system's request says what it wants in its header.
    """
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        language = code.split("-")[0].lower()
        if language in STAFF_LANGUAGES:
            return language
    return settings.LANGUAGE_CODE


def error_body(request, code, **params):
    """{"code", "message"} with the message in the request's language."""
    with translation.override(request_language(request)):
        message = str(MESSAGES[code]) % params if params else str(MESSAGES[code])
    return {"code": code, "message": message}
