"""The zone a request is about: from the host name it came to, or the only zone.

One install may serve several zones, each on its own host name (`Zone.host`, #18). The zone
middleware hands each request to this module; `site_zone` then finds the zone whose host the
request names; else the first zone without a host name (the install's own zone, served on
NABUUR_BASE_URL and any other allowed name); when every zone has a host name, a host that
none answers to is a 404.

`host_zone()` is what scopes everything else: the staff roles a person acts in, their own
memberships, the public BINs. It is None outside a request (the worker, commands) and on an
install whose zones have no host names (one zone, as before), where nothing is narrowed.

It lives here, below every app, so that any view that already holds the right zone (a BIN's
page, a coordinator's member list) can hand it to the layout and spare it a query.
"""

from contextvars import ContextVar

from django.core.exceptions import DisallowedHost
from django.db.models import BooleanField, Exists, Q
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.http.request import split_domain_port

from nabuur.lib.mail import base_url_for_host, links_from

from .models import Zone

_current_request = ContextVar("nabuur_current_request", default=None)
# What `host_zone()` gives for a host that no zone answers to: a zone no row belongs to.
NO_ZONE = Zone(pk=0, slug="", host="")
# The rule of `_resolve` in SQL, for the queries that find the zone themselves (`only_host_zone`):
# as a Subquery and an Exists, Django would build and compile it again for each of them, which
# cost the API's lookup (the busiest request, #17) as much as the rest of its street query.
_SERVED_ZONE_SQL = (
    f"SELECT id FROM {Zone._meta.db_table} WHERE host = %s OR host = '' "  # noqa: S608
    "ORDER BY host DESC, id LIMIT 1"
)
_SEVERAL_SITES_SQL = f"EXISTS (SELECT 1 FROM {Zone._meta.db_table} WHERE host <> '')"  # noqa: S608


def zone_middleware(get_response):
    """Make the request's zone known to `host_zone()` while the request is handled."""

    def middleware(request):
        token = _current_request.set(request)
        try:
            # E-mails sent while handling the request link to the request's zone.
            with links_from(lambda: base_url(host_zone_or_none())):
                return get_response(request)
        finally:
            _current_request.reset(token)

    return middleware


def _resolve(request):
    """The zone the request's host names (None for a fresh install without zones).

    Asked once per request, and only when a page needs the zone: a health check or a static
    file costs no query. The first answer is kept, so the 404 page that follows an unknown
    host renders without its zone instead of failing again.
    """
    if hasattr(request, "_nabuur_host_zone"):
        return request._nabuur_host_zone
    # Whatever runs after a refusal (its page, a middleware) sees no zone and reaches no
    # zone's rows.
    request._nabuur_host_zone = None
    request._nabuur_unknown_host = True
    try:
        hostname = split_domain_port(request.get_host())[0]
    except DisallowedHost:
        # Django answers with its 400 page, which renders without a zone.
        return None
    # One query: the zone with this host name, else the first zone without one; and whether
    # any zone has a host name (then each zone's site shows only that zone).
    zone = (
        Zone.objects.defer("logo")
        .annotate(several_sites=Exists(Zone.objects.exclude(host="")))
        .filter(Q(host=hostname) | Q(host=""))
        .order_by("-host", "pk")
        .first()
    )
    if zone is None and Zone.objects.exists():
        raise Http404("No zone is served on this host name.")
    request._nabuur_host_zone = zone
    request._nabuur_unknown_host = False
    return zone


def site_zone(request):
    """The zone this request is about, fetched once per request.

    A view that already holds the right zone stores it with `use_zone` first, so the header and
    footer cost no extra query.
    """
    if not hasattr(request, "_nabuur_zone"):
        request._nabuur_zone = _resolve(request)
    return request._nabuur_zone


def use_zone(request, zone):
    request._nabuur_zone = zone


def host_zone():
    """The zone whose host name the current request came to, or None when nothing is narrowed:
    outside a request, and on an install whose zones have no host names."""
    request = _current_request.get()
    if request is None:
        return None
    zone = _resolve(request)
    if getattr(request, "_nabuur_unknown_host", False):
        return NO_ZONE
    if zone is None or not zone.several_sites:
        return None
    return zone


def only_host_zone(queryset, *zone_paths):
    """`queryset` narrowed to the rows of the request's zone; unchanged when nothing is
    narrowed (see `host_zone()`). Each of `zone_paths` leads from a row to a zone, e.g.
    "network__municipality__zone"; a row counts when any of them leads to the request's zone.
    """
    request = _current_request.get()
    if request is None:
        return queryset
    if hasattr(request, "_nabuur_host_zone"):
        zone = host_zone()
        if zone is None:
            return queryset
        return queryset.filter(_any_path(zone_paths, zone.pk))
    # The zone is not asked yet: the database finds it inside this same query, which spares
    # a query to the pages that hand their own zone to the layout (`use_zone`).
    try:
        hostname = split_domain_port(request.get_host())[0]
    except DisallowedHost:
        return queryset.none()
    # The table's name is ours; the host name is a parameter.
    served = RawSQL(_SERVED_ZONE_SQL, [hostname])  # noqa: S611
    several_sites = RawSQL(_SEVERAL_SITES_SQL, [], output_field=BooleanField())  # noqa: S611
    return queryset.filter(_any_path(zone_paths, served) | ~Q(several_sites))


def host_zone_sql(column):
    """`only_host_zone` for SQL of our own: (condition, params) keeping the rows whose `column`
    (a zone id) is the request's zone; ("", []) when nothing is narrowed."""
    request = _current_request.get()
    if request is None:
        return "", []
    if hasattr(request, "_nabuur_host_zone"):
        zone = host_zone()
        return ("", []) if zone is None else (f"{column} = %s", [zone.pk])
    try:
        hostname = split_domain_port(request.get_host())[0]
    except DisallowedHost:
        return "1 = 0", []
    return f"({column} = ({_SERVED_ZONE_SQL}) OR NOT {_SEVERAL_SITES_SQL})", [hostname]


def _any_path(zone_paths, zone):
    condition = Q()
    for path in zone_paths:
        condition |= Q(**{path: zone})
    return condition


def base_url(zone=None):
    """The address of `zone`'s site for links in e-mails, without a trailing slash.

    A zone with a host name is reached on that name, with the scheme and port of
    NABUUR_BASE_URL (http://demo.localhost:8000 in the demo, https://bin.pz-hekla.be in
    production); any other zone, or none, on NABUUR_BASE_URL itself.
    """
    return base_url_for_host(zone.host if zone is not None else "")


def links_to(zone):
    """Within the block, links in e-mails lead to `zone`'s site: for e-mails sent outside a
    request (the worker, the jobs, the commands), which serve every zone at once."""
    return links_from(base_url(zone))


def host_zone_or_none():
    # For links in an e-mail sent on a host no zone answers to: the install's own address.
    zone = host_zone()
    return None if zone is NO_ZONE else zone
