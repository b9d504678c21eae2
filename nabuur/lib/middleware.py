"""Middleware that knows no app."""

from django.core.exceptions import SuspiciousOperation


def refuse_nul_characters(get_response):
    """Answer 400 to a request whose query or form holds a NUL character.

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
        return get_response(request)

    return middleware
