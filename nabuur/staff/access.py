"""Fetch an object only if the person may act on it.

Outside the person's scope the object answers 404, exactly as if it did not exist; inside the
scope without the capability, 403.
"""

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404

from nabuur.lib.rows import RowReader
from nabuur.networks.models import Network
from nabuur.zones.models import Municipality, Zone

from .permissions import can, in_scope


def _unique(queryset, **lookup):
    """The one object matching `lookup` (a unique field), or None.

    Not .first(): its ORDER BY costs Django more to build than the query costs to run, and
    every staff page of a BIN asks this.
    """
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:
        return None


def _check(user, capability, obj):
    if obj is None or not in_scope(user, obj):
        raise Http404
    if not can(user, capability, obj):
        raise PermissionDenied
    return obj


# Every staff page of a BIN reads it with its municipality and zone (the layout shows the
# zone), in SQL of our own: through the ORM, building this query cost the page more than any
# other. The zone's logo is left out (its own page serves it).
_NETWORK = RowReader(Network)
_MUNICIPALITY = RowReader(Municipality)
_ZONE = RowReader(Zone, leave_out={"logo"})


def _network_with_zone(slug):
    """The BIN with this slug, its municipality and its zone (None if there is no such BIN)."""
    sql = (
        f"SELECT {_NETWORK.select('n')}, {_MUNICIPALITY.select('m')}, {_ZONE.select('z')} "  # noqa: S608
        f"FROM {Network._meta.db_table} n "
        f"JOIN {Municipality._meta.db_table} m ON m.id = n.municipality_id "
        f"LEFT JOIN {Zone._meta.db_table} z ON z.id = m.zone_id "
        "WHERE n.slug = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [slug])
        row = cursor.fetchone()
    if row is None:
        return None
    split, end = len(_NETWORK), len(_NETWORK) + len(_MUNICIPALITY)
    network = _NETWORK.read(row[:split])
    network.municipality = _MUNICIPALITY.read(row[split:end])
    network.municipality.zone = _ZONE.read(row[end:])
    return network


def get_network_for(user, capability, slug):
    """The BIN with this slug if `user` holds `capability` over it; 404 outside scope, else 403."""
    return _check(user, capability, _network_with_zone(slug))


def get_municipality_for(user, capability, nis_code):
    """The municipality if `user` holds `capability` over it; 404 outside scope, else 403."""
    municipality = _unique(
        Municipality.objects.select_related("zone").defer("zone__logo"), nis_code=nis_code
    )
    return _check(user, capability, municipality)


def get_zone_for(user, capability, slug):
    """The zone if `user` holds `capability` over it; 404 outside scope, else 403."""
    # Not the logo (up to 200 kB): the pages show it from its own address (public.theme).
    return _check(user, capability, _unique(Zone.objects.defer("logo"), slug=slug))
