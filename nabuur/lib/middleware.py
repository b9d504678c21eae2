"""Middleware that knows no app."""

import re

from django.core.exceptions import SuspiciousOperation

# A whole value of more digits than a 64-bit integer holds. No id, number or date Nabuur
# accepts is that long, and databases overflow on one (SQLite raises OverflowError, which
# Django's model choice fields do not catch).
_OVERSIZED_NUMBER = re.compile(r"\s*[-+]?\d{19,}\s*")


def refuse_nul_characters(get_response):
    """Answer 400 to a request whose query or form holds a NUL character or a number larger
    than any field takes.

    No text Nabuur keeps or looks for can contain one, and PostgreSQL refuses it in any text
    value: a search with a NUL would end in a database error (a 500) instead of an answer.
    """

    def middleware(request):
        sources = [request.GET]
        # A file upload is read by its view, which may first choose how (imports limit the size
        # while the file arrives): reading it here would settle that too early. Its fields are
        # checked by the forms.
        if request.method == "POST" and request.content_type != "multipart/form-data":
            sources.append(request.POST)
        for data in sources:
            for key, values in data.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    raise SuspiciousOperation("A NUL character in the request's parameters.")
                if any(_OVERSIZED_NUMBER.fullmatch(value) for value in values):
                    raise SuspiciousOperation("A number too large for any field.")
        return get_response(request)

    return middleware
