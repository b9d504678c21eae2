"""The zone a request is about, for the layout's emergency notice, footer and languages.

It lives here, below every app, so that any view that already holds the right zone (a BIN's
page, a coordinator's member list) can hand it to the layout and spare it a query.
"""

from .models import Zone


def site_zone(request):
    """The zone this site serves (the first one), fetched once per request.

    A view that already holds the right zone stores it with `use_zone` first, so the header and
    footer cost no extra query.
    """
    if not hasattr(request, "_nabuur_zone"):
        request._nabuur_zone = Zone.objects.defer("logo").order_by("pk").first()
    return request._nabuur_zone


def use_zone(request, zone):
    request._nabuur_zone = zone
